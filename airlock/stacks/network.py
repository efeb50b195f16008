"""The network half of an integration stack: spec -> network constructs, and their wiring."""

from __future__ import annotations

from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_logs as logs

from airlock.compliance import acknowledge
from airlock.constructs.dns_firewall import DnsFirewall, vpc_internal_domains
from airlock.constructs.egress import FilteredEgress, egress_layout
from airlock.constructs.network import IsolatedVpc
from airlock.constructs.privatelink import ExposedService, VendorEndpoint
from airlock.constructs.privatelink_dns import VendorHostedZone, ZoneRecord
from airlock.constructs.service_endpoints import GATEWAY_SERVICES, ServiceEndpoints, service_endpoint_name
from airlock.spec import Integration, Organization
from airlock.spec.network import VendorEndpoint as VendorEndpointSpec
from airlock.spec.regions import region_of_az_id
from airlock.spec.types import LOG_RETENTION_DAYS

_RETENTION = dict(
    zip(
        LOG_RETENTION_DAYS,
        [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE],
        strict=True,
    )
)


def log_retention(days: int) -> logs.RetentionDays:
    """The CDK retention enum for a number of days the spec accepted."""
    return _RETENTION[days]


@dataclass
class IntegrationNetwork:
    """What :func:`build_network` made in one stack."""

    vpc: IsolatedVpc
    vendor_endpoints: dict[str, VendorEndpoint] = field(default_factory=dict)
    hosted_zones: dict[str, VendorHostedZone] = field(default_factory=dict)
    exposed_apis: dict[str, ExposedService] = field(default_factory=dict)
    service_endpoints: ServiceEndpoints | None = None
    egress: FilteredEgress | None = None
    dns_firewall: DnsFirewall | None = None


def vendor_endpoints_in(integration: Integration, region: str) -> list[VendorEndpointSpec]:
    """The vendor endpoints of ``integration`` that belong in ``region`` (the region of their service name)."""
    network = integration.network
    return [e for e in network.vendor_endpoints if e.service_name.split(".")[3] == region] if network else []


def endpoint_service_names(integration: Integration, region: str) -> list[str]:
    """The service names of the VPC endpoints :func:`build_network` creates in ``region``: the
    vendor's PrivateLink endpoints of that region, then one per AWS service endpoint."""
    names = [endpoint.service_name for endpoint in vendor_endpoints_in(integration, region)]
    services = integration.network.service_endpoints if integration.network is not None else []
    names += [service_endpoint_name(region, service) for service in dict.fromkeys(services)]
    return names


def endpoint_types(integration: Integration, region: str) -> list[str]:
    """The endpoint type (``Interface`` or ``Gateway``) of each of :func:`endpoint_service_names`,
    in the same order (``s3`` and ``s3-interface`` share a service name and differ only here)."""
    types = ["Interface" for _ in vendor_endpoints_in(integration, region)]
    services = integration.network.service_endpoints if integration.network is not None else []
    types += ["Gateway" if service in GATEWAY_SERVICES else "Interface" for service in dict.fromkeys(services)]
    return types


def vendor_resource_accounts(integration: Integration) -> dict[str, list[str]]:
    """Service -> the vendor accounts ``network.vendor_resources`` admits to that service's endpoint."""
    out: dict[str, list[str]] = {}
    for entry in integration.network.vendor_resources if integration.network is not None else ():
        for service in entry.services:
            out.setdefault(service, []).append(entry.account_id)
    return out


def build_network(stack: cdk.Stack, *, organization: Organization, integration: Integration) -> IntegrationNetwork:
    """Build the integration's network in ``stack`` (one region) from the spec (which has one)."""
    spec = integration.network
    if spec is None:
        raise ValueError(f"integration {integration.name} has no network to build")
    region = stack.region
    retention = log_retention(spec.flow_log_retention_days)
    az_ids = [az for az in spec.az_ids if region_of_az_id(az) == region]
    layout = egress_layout(spec.cidr, len(az_ids)) if spec.egress is not None else None
    vpc = IsolatedVpc(
        stack,
        "Network",
        cidr=spec.cidr,
        az_ids=az_ids,
        subnet_cidrs=layout.workload if layout is not None else None,
        az_names={az: name for az, name in spec.az_names.items() if az in az_ids} or None,
        flow_log_retention=retention,
        archive_bucket_arn=spec.flow_log_archive_bucket,
    )
    acknowledge(
        vpc.resource,
        "NIST.800.53.R5-VPCDefaultSecurityGroupClosed",
        reason="Closing the default security group needs a Lambda-backed custom resource; "
        "nothing in an intermediate account is placed in the default group, every interface "
        "gets an explicit security group (checked by airlock.constructs.default_security_group_users).",
    )
    acknowledge(
        vpc.flow_log_role,
        "NIST.800.53.R5-IAMNoInlinePolicy",
        reason="The delivery role's only policy is generated for this one log group and lives and dies with it.",
    )
    built = IntegrationNetwork(vpc=vpc)

    for endpoint in vendor_endpoints_in(integration, region):
        subnets = [vpc.subnets_by_az_id[az] for az in az_ids if az in endpoint.az_ids]
        built.vendor_endpoints[endpoint.name] = VendorEndpoint(
            vpc,
            f"Vendor-{endpoint.name}",
            vpc=vpc.vpc,
            service_name=endpoint.service_name,
            ports=endpoint.ports,
            sources=endpoint.sources,
            subnets=subnets,
            private_dns=endpoint.private_dns,
        )
        _add_hosted_zone(built, endpoint)

    vendor_roots = [f"arn:aws:iam::{account}:root" for account in integration.vendor.account_ids]
    for api in spec.exposed_apis:
        service = ExposedService(
            vpc,
            f"Api-{api.name}",
            vpc=vpc.vpc,
            ports=api.ports,
            target_ips=api.targets,
            allowed_principals=api.allowed_principals or vendor_roots,
        )
        built.exposed_apis[api.name] = service

    if spec.service_endpoints:
        assert organization.organization_id is not None  # the spec checks guarantee it
        built.service_endpoints = ServiceEndpoints(
            vpc,
            "ServiceEndpoints",
            vpc=vpc.vpc,
            services=spec.service_endpoints,
            principal_org_id=organization.organization_id,
            vendor_resource_accounts=vendor_resource_accounts(integration) or None,
            sources=spec.service_endpoint_sources or None,
        )

    if spec.egress is not None and layout is not None:
        built.egress = FilteredEgress(
            vpc,
            "Egress",
            vpc=vpc.vpc,
            allowed_domains=spec.egress.allowed_domains,
            protected_subnets=vpc.vpc.isolated_subnets,
            firewall_subnet_cidrs=layout.firewall,
            public_subnet_cidrs=layout.public,
            log_retention=retention,
            key=vpc.key,
        )
        acknowledge(
            built.egress,
            "cdk-validator-cfnguard::netfw_multi_az_enabled_check",
            reason="One firewall per AZ instead of one spanning AZs: each AZ's route must name its own AZ's "
            "firewall endpoint at deploy time, which a multi-AZ firewall returns only as an unordered list. "
            "Every AZ in use has a firewall, so losing one AZ leaves the others filtered.",
        )

    allowed = list(spec.dns.allowed_domains)
    if spec.egress is not None:
        allowed += spec.egress.allowed_domains
    if built.service_endpoints is not None:
        allowed += built.service_endpoints.dns_names()
    built.dns_firewall = DnsFirewall(
        vpc,
        "DnsFirewall",
        vpc=vpc.vpc,
        allowed_domains=allowed,
        trusted_domains=trusted_dns_names(built, region, spec.cidr),
        log_retention=retention,
        key=vpc.key,
    )
    add_hand_back_outputs(stack, built)
    return built


def _add_hosted_zone(built: IntegrationNetwork, spec: VendorEndpointSpec) -> None:
    if spec.hosted_zone is None:
        return
    endpoint = built.vendor_endpoints[spec.name]
    built.hosted_zones[spec.name] = VendorHostedZone(
        endpoint,
        "HostedZone",
        vpc=built.vpc.vpc,
        endpoint=endpoint,
        zone_name=spec.hosted_zone.name,
        records=[ZoneRecord(record.name, record.type) for record in spec.hosted_zone.records],
    )


def trusted_dns_names(built: IntegrationNetwork, region: str, cidr: str) -> list[str]:
    """Names the DNS Firewall resolves with their CNAME targets trusted: names the stack itself
    generated (vendor endpoints' own names, their hosted zones' records) and the VPC's own names
    (EC2 host names, reverse lookups of the VPC's CIDR); see docs/network.md."""
    names: list[str] = []
    for name, endpoint in built.vendor_endpoints.items():
        names += endpoint.dns_names()
        if name in built.hosted_zones:
            names += built.hosted_zones[name].dns_names()
    return names + vpc_internal_domains(region, cidr)


def add_hand_back_outputs(stack: cdk.Stack, built: IntegrationNetwork) -> None:
    """Stack outputs a vendor asks for to accept a PrivateLink connection: the id of each vendor
    endpoint (``<name>VendorEndpointId``) and the service name of each exposed API
    (``<name>EndpointServiceName``); CloudFormation drops the ``-`` of a name from the output's key."""
    for name, endpoint in built.vendor_endpoints.items():
        cdk.CfnOutput(
            stack,
            f"{name}VendorEndpointId",
            value=endpoint.endpoint_id,
            description=f"Hand this to the vendor: the id of the endpoint {name} to {endpoint.service_name}, "
            "for the vendor to accept the connection",
        )
    for name, service in built.exposed_apis.items():
        cdk.CfnOutput(
            stack,
            f"{name}EndpointServiceName",
            value=service.service_name,
            description=f"Hand this to the vendor: the endpoint service of the API {name}, to create its endpoint",
        )
