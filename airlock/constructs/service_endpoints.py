"""VPC endpoints to AWS services that cannot carry data to a foreign account."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from airlock.constructs.privatelink import endpoint_security_group

_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")

#: Services reached through a gateway endpoint (route-table entries) rather than an interface.
GATEWAY_SERVICES = frozenset({"s3", "dynamodb"})


def service_endpoint_name(region: str, service: str) -> str:
    """The endpoint service name of an AWS service in a region: ``com.amazonaws.<region>.<service>``."""
    return f"com.amazonaws.{region}.{service}"


def endpoint_policy(*, principal_org_id: str, resource_accounts: Sequence[str]) -> iam.PolicyDocument:
    """Allow a request only from a principal of the organization to a resource of ``resource_accounts``.

    Both conditions hold together: a principal of the organization cannot use the endpoint to
    write into a bucket or queue of a foreign account, and a foreign principal (stolen
    credentials) cannot use the endpoint at all.
    """
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="OrganizationPrincipalsToOwnResourcesOnly",
                principals=[iam.AnyPrincipal()],
                actions=["*"],
                resources=["*"],
                conditions={
                    "StringEquals": {
                        "aws:PrincipalOrgID": principal_org_id,
                        "aws:ResourceAccount": list(resource_accounts),
                    }
                },
            )
        ]
    )


class ServiceEndpoints(Construct):
    """One VPC endpoint per AWS service, each with a policy fenced to the organization.

    Interface endpoints get private DNS (so SDKs use them without configuration) and share one
    security group that admits only HTTPS from ``sources`` and has no egress rule. ``s3`` and
    ``dynamodb`` become gateway endpoints on the isolated subnets' route tables. Every
    endpoint's policy allows a request only when ``aws:PrincipalOrgID`` is ``principal_org_id``
    and ``aws:ResourceAccount`` is one of ``resource_accounts``.

    :param vpc: the VPC to place the endpoints in.
    :param services: service short names, e.g. ``["sqs", "kms", "logs", "sts", "s3"]``.
    :param principal_org_id: the organization's id (``o-...``), as a literal.
    :param resource_accounts: accounts whose resources may be reached. Default: this stack's
        account; naming any other account adds a warning annotation.
    :param sources: CIDRs that may use the interface endpoints on 443. Default: the VPC's CIDR.
    :param subnets: subnets for the interface endpoints. Default: the VPC's isolated subnets.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        services: Sequence[str],
        principal_org_id: str,
        resource_accounts: Sequence[str] | None = None,
        sources: Sequence[str] | None = None,
        subnets: Sequence[ec2.ISubnet] | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not _ORGANIZATION_ID.match(principal_org_id):
            raise ValueError(
                f"principal_org_id '{principal_org_id}' is not an organization id; give it literally, e.g. "
                "'o-a1b2c3d4e5'"
            )
        if not services:
            raise ValueError("services is empty; name the AWS services the workload calls, e.g. ['sqs', 'kms']")
        for service in services:
            if not _SERVICE.match(service):
                raise ValueError(f"services contains '{service}'; use service short names such as 'sqs' or 'logs'")
        stack = cdk.Stack.of(self)
        accounts = list(resource_accounts) if resource_accounts is not None else [stack.account]
        for account in accounts:
            if not _ACCOUNT_ID.match(account):
                raise ValueError(
                    f"resource_accounts contains '{account}'; give literal 12-digit account ids "
                    "(the stack needs an explicit env account for the default)"
                )
        foreign = [a for a in accounts if a != stack.account]
        if foreign:
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:endpoint-resource-accounts",
                f"resource_accounts widens the endpoint policies beyond this account to {foreign}; data can "
                "leave through these endpoints to those accounts' resources",
            )
        if sources is None:
            sources = [vpc.vpc_cidr_block]
        chosen = list(subnets) if subnets is not None else list(vpc.isolated_subnets)
        self.policy = endpoint_policy(principal_org_id=principal_org_id, resource_accounts=accounts)
        self.endpoints: dict[str, ec2.CfnVPCEndpoint] = {}
        self.security_group: ec2.SecurityGroup | None = None
        interface = [s for s in dict.fromkeys(services) if s not in GATEWAY_SERVICES]
        if interface:
            self.security_group = endpoint_security_group(
                self,
                "SecurityGroup",
                vpc=vpc,
                ports=[443],
                sources=sources,
                description="AWS service endpoints: HTTPS from declared sources only",
            )
        for service in dict.fromkeys(services):
            gateway = service in GATEWAY_SERVICES
            self.endpoints[service] = ec2.CfnVPCEndpoint(
                self,
                service,
                vpc_id=vpc.vpc_id,
                service_name=service_endpoint_name(stack.region, service),
                vpc_endpoint_type="Gateway" if gateway else "Interface",
                policy_document=self.policy,
                route_table_ids=[s.route_table.route_table_id for s in vpc.isolated_subnets] if gateway else None,
                subnet_ids=None if gateway else [s.subnet_id for s in chosen],
                security_group_ids=None if gateway else [self.security_group.security_group_id],  # type: ignore[union-attr]
                private_dns_enabled=None if gateway else True,
            )

    def dns_names(self) -> list[str]:
        """The regional service names the endpoints answer for (for a DNS allow-list)."""
        region = cdk.Stack.of(self).region
        names = []
        for service in self.endpoints:
            names.append(f"{service}.{region}.amazonaws.com")
            if service in GATEWAY_SERVICES:
                names.append(f".{service}.{region}.amazonaws.com")
        return names
