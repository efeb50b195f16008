"""VPC endpoints to AWS services that cannot carry data to a foreign account."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from airlock.constructs._aws_services import ECR_LAYER_BUCKET, aws_service
from airlock.constructs._aws_services import dns_names as service_dns_names
from airlock.constructs.privatelink import endpoint_security_group

_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*$")

#: Services reached through a gateway endpoint (route-table entries) rather than an interface.
GATEWAY_SERVICES = frozenset({"s3", "dynamodb"})
#: The S3 endpoints (gateway and interface): those that carry ECR's image layers.
S3_SERVICES = ("s3", "s3-interface")


def service_endpoint_name(region: str, service: str) -> str:
    """The endpoint service name of an AWS service in a region: ``com.amazonaws.<region>.<service>``
    (``s3-interface`` is the interface endpoint of ``com.amazonaws.<region>.s3``)."""
    return f"com.amazonaws.{region}.{aws_service(service).endpoint_service}"


def endpoint_policy(
    *,
    principal_org_id: str,
    resource_accounts: Sequence[str],
    vendor_accounts: Sequence[str] = (),
    aws_owned_objects: Sequence[str] = (),
    source_vpc: str | None = None,
) -> iam.PolicyDocument:
    """Allow a request only from a principal of the organization to a resource of ``resource_accounts``.

    Both conditions hold together: a principal of the organization cannot use the endpoint to
    write into a bucket or queue of a foreign account, and a foreign principal (stolen
    credentials) cannot use the endpoint at all.

    :param vendor_accounts: vendor accounts whose resources the organization's principals may
        also reach, in a second statement with the same principal condition (the data perimeter
        examples' "AllowRequestsByOrgsIdentitiesToThirdPartyResources").
    :param aws_owned_objects: S3 object ARNs of AWS-owned buckets that may be read
        (``s3:GetObject`` only) from ``source_vpc``, whoever signs the request: ECR's image
        layers are fetched with a URL that ECR presigns with its own service identity, which
        is not a principal of the organization.
    :param source_vpc: the VPC the AWS-owned objects are read from (required with them).
    """
    if aws_owned_objects and not source_vpc:
        raise ValueError("aws_owned_objects needs source_vpc: the VPC whose requests may read them")

    def organization_principals_to(sid: str, accounts: Sequence[str]) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid=sid,
            principals=[iam.AnyPrincipal()],
            actions=["*"],
            resources=["*"],
            conditions={
                "StringEquals": {"aws:PrincipalOrgID": principal_org_id, "aws:ResourceAccount": list(accounts)}
            },
        )

    statements = [organization_principals_to("OrganizationPrincipalsToOwnResourcesOnly", resource_accounts)]
    if vendor_accounts:
        statements.append(
            organization_principals_to("OrganizationPrincipalsToDeclaredVendorResources", vendor_accounts)
        )
    if aws_owned_objects:
        statements.append(
            iam.PolicyStatement(
                sid="ReadAwsOwnedObjects",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetObject"],
                resources=list(aws_owned_objects),
                conditions={"StringEquals": {"aws:SourceVpc": source_vpc}},
            )
        )
    return iam.PolicyDocument(statements=statements)


class ServiceEndpoints(Construct):
    """One VPC endpoint per AWS service, each with a policy fenced to the organization.

    Interface endpoints get private DNS (so SDKs use them without configuration) and share one
    security group that admits only HTTPS from ``sources`` and has no egress rule. ``s3`` and
    ``dynamodb`` become gateway endpoints on the isolated subnets' route tables;
    ``s3-interface`` is S3's interface endpoint, with private DNS for every resolver of the VPC
    (so the VPC's own requests use it too). Every endpoint's policy allows a request only when
    ``aws:PrincipalOrgID`` is ``principal_org_id`` and ``aws:ResourceAccount`` is one of
    ``resource_accounts`` (or, for the services named in ``vendor_resource_accounts``, one of
    that service's vendor accounts). With ``ecr.dkr`` the S3 endpoints also let requests from
    the VPC read ECR's image-layer bucket of the region, ``s3:GetObject`` only, whoever signed
    them: the layer download is presigned by ECR itself.

    :param vpc: the VPC to place the endpoints in.
    :param services: service short names, e.g. ``["sqs", "kms", "logs", "sts", "s3"]``;
        ``kinesis-streams``, ``kinesis-firehose``, ``ecr.api``, ``ecr.dkr`` (which needs
        ``ecr.api`` and ``s3``) and ``s3-interface`` are known too.
    :param principal_org_id: the organization's id (``o-...``), as a literal.
    :param resource_accounts: accounts whose resources may be reached. Default: this stack's
        account; naming any other account adds a warning annotation.
    :param vendor_resource_accounts: service -> vendor accounts whose resources that service's
        endpoint also admits (a vendor's bucket, stream or registry in its own account). Each
        service must be one of ``services``. Default: none.
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
        vendor_resource_accounts: Mapping[str, Sequence[str]] | None = None,
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
        _check_ecr(services)
        stack = cdk.Stack.of(self)
        accounts = list(resource_accounts) if resource_accounts is not None else [stack.account]
        for account in accounts:
            if not _ACCOUNT_ID.match(account):
                raise ValueError(
                    f"resource_accounts contains '{account}'; give literal 12-digit account ids "
                    "(the stack needs an explicit env account for the default)"
                )
        self.vendor_resource_accounts = _vendor_accounts(services, vendor_resource_accounts or {}, accounts)
        foreign = [a for a in accounts if a != stack.account]
        if foreign:
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:endpoint-resource-accounts",
                f"resource_accounts widens the endpoint policies beyond this account to {foreign}; data can "
                "leave through these endpoints to those accounts' resources",
            )
        self.resource_accounts = accounts
        if sources is None:
            sources = [vpc.vpc_cidr_block]
        chosen = list(subnets) if subnets is not None else list(vpc.isolated_subnets)
        #: The policy of an endpoint that admits no vendor account and no AWS-owned object.
        self.policy = endpoint_policy(principal_org_id=principal_org_id, resource_accounts=accounts)
        layers = [f"arn:aws:s3:::{ECR_LAYER_BUCKET.format(region=stack.region)}/*"] if "ecr.dkr" in services else []
        #: The policy of each service's endpoint.
        self.policies: dict[str, iam.PolicyDocument] = {}
        for service in dict.fromkeys(services):
            vendors = self.vendor_resource_accounts.get(service, [])
            objects = layers if service in S3_SERVICES else []
            self.policies[service] = (
                endpoint_policy(
                    principal_org_id=principal_org_id,
                    resource_accounts=accounts,
                    vendor_accounts=vendors,
                    aws_owned_objects=objects,
                    source_vpc=vpc.vpc_id,
                )
                if vendors or objects
                else self.policy
            )
        self.endpoints: dict[str, ec2.CfnVPCEndpoint] = {}
        self.security_group: ec2.SecurityGroup | None = None
        interface = [s for s in dict.fromkeys(services) if not aws_service(s).gateway]
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
            gateway = aws_service(service).gateway
            self.endpoints[service] = ec2.CfnVPCEndpoint(
                self,
                service,
                vpc_id=vpc.vpc_id,
                service_name=service_endpoint_name(stack.region, service),
                vpc_endpoint_type="Gateway" if gateway else "Interface",
                policy_document=self.policies[service],
                route_table_ids=[s.route_table.route_table_id for s in vpc.isolated_subnets] if gateway else None,
                subnet_ids=None if gateway else [s.subnet_id for s in chosen],
                security_group_ids=None if gateway else [self.security_group.security_group_id],  # type: ignore[union-attr]
                private_dns_enabled=None if gateway else True,
                # S3's interface endpoint answers the VPC's own queries too, not only those of an
                # inbound Resolver endpoint (the default when the VPC also has the S3 gateway).
                dns_options=(
                    ec2.CfnVPCEndpoint.DnsOptionsSpecificationProperty(
                        private_dns_only_for_inbound_resolver_endpoint="AllResolvers"
                    )
                    if service == "s3-interface"
                    else None
                ),
            )

    def dns_names(self) -> list[str]:
        """The names the endpoints answer for (for a DNS allow-list): each service's regional
        names, and its account-specific names for this account and the service's vendor accounts."""
        region = cdk.Stack.of(self).region
        names: list[str] = []
        for service in self.endpoints:
            accounts = [*self.resource_accounts, *self.vendor_resource_accounts.get(service, [])]
            names += service_dns_names(service, region, accounts)
        return list(dict.fromkeys(names))


def _check_ecr(services: Sequence[str]) -> None:
    if "ecr.dkr" not in services:
        return
    for needed in ("ecr.api", "s3"):
        if needed not in services:
            raise ValueError(
                f"services has 'ecr.dkr' without '{needed}'; an image pull authenticates through ecr.api and "
                "downloads its layers from S3 through the s3 gateway: add both"
            )


def _vendor_accounts(
    services: Sequence[str], given: Mapping[str, Sequence[str]], own: Sequence[str]
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for service, accounts in given.items():
        if service not in services:
            raise ValueError(
                f"vendor_resource_accounts names '{service}', which is not one of services {list(services)}; "
                "admit vendor accounts only for an endpoint this construct creates"
            )
        for account in accounts:
            if not _ACCOUNT_ID.match(account):
                raise ValueError(f"vendor_resource_accounts['{service}'] contains '{account}'; give 12-digit ids")
            if account in own:
                raise ValueError(
                    f"vendor_resource_accounts['{service}'] contains '{account}', which is already one of "
                    "resource_accounts; list only vendor accounts there"
                )
        out[service] = list(dict.fromkeys(accounts))
    return out
