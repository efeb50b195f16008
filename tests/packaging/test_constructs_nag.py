"""Every public construct, alone in a bare stack with no spec, passes compliance at its defaults.

Each case builds one construct from ``airlock.constructs`` with only the props it requires
(and the neighbours it cannot do without, such as a VPC), attaches AwsSolutions and the
project's own Airlock pack, synthesizes, and asserts that the
validation report has no unacknowledged finding. A construct whose secure defaults produce a
finding fails here, whatever the landing zone's stacks acknowledge around it.
"""

from __future__ import annotations

from collections.abc import Callable

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from constructs import Construct

import airlock.constructs as library
from airlock.compliance import attach_packs, read_report
from airlock.synth import is_validation_failure

ACCOUNT = "123456789012"
REGION = "eu-central-1"
AZ_IDS = ["euc1-az1", "euc1-az2"]
QUEUE_ARN = "arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files"
KEY_ARN = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"
#: AwsSolutions and Airlock always run; NIST 800-53 findings are the landing zone's to acknowledge.
PACKS: tuple[str, ...] = ()


def _vpc(stack: cdk.Stack, cidr: str = "10.40.0.0/24", **props: object) -> library.IsolatedVpc:
    return library.IsolatedVpc(stack, "Network", cidr=cidr, az_ids=AZ_IDS, **props)  # type: ignore[arg-type]


def _filtered_egress(stack: cdk.Stack) -> Construct:
    layout = library.egress_layout("10.40.0.0/22", 2)
    network = _vpc(stack, "10.40.0.0/22", subnet_cidrs=layout.workload)
    return library.FilteredEgress(
        stack,
        "Egress",
        vpc=network.vpc,
        allowed_domains=["api.vendor.example"],
        protected_subnets=network.vpc.isolated_subnets,
        firewall_subnet_cidrs=layout.firewall,
        public_subnet_cidrs=layout.public,
    )


def _hosted_zone(stack: cdk.Stack) -> Construct:
    vpc = _vpc(stack).vpc
    endpoint = library.VendorEndpoint(
        stack,
        "Endpoint",
        vpc=vpc,
        service_name="com.amazonaws.vpce.eu-central-1.vpce-svc-0123456789abcdef0",
        ports=[443, 9092],
        sources=["10.40.0.0/24"],
    )
    return library.VendorHostedZone(
        stack,
        "Zone",
        vpc=vpc,
        endpoint=endpoint,
        zone_name="eu-central-1.aws.private.vendor.example",
        records=[library.ZoneRecord("*"), library.ZoneRecord("@", "ALIAS")],
    )


def _monitoring(stack: cdk.Stack) -> Construct:
    buffer = library.IntegrationBuffer(stack, "Orders", queue_name="orders")
    return library.IntegrationMonitoring(
        stack, "Monitoring", dashboard_name="orders", buffers={"orders": buffer}, subscribers=["oncall@example.com"]
    )


def _webhook(stack: cdk.Stack) -> Construct:
    buffer = library.IntegrationBuffer(stack, "Deliveries", queue_name="deliveries")
    return library.VendorWebhook(stack, "Webhook", queue=buffer.queue, source_ranges=["192.30.252.0/22"])


def _partner_events(stack: cdk.Stack) -> Construct:
    buffer = library.IntegrationBuffer(stack, "Orders", queue_name="orders")
    return library.PartnerEventDelivery(
        stack,
        "Relay",
        event_source_name="aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE",
        queue=buffer.queue,
    )


#: Construct name -> a builder that puts it, at its defaults, into a bare stack.
BUILDERS: dict[str, Callable[[cdk.Stack], Construct]] = {
    "PartnerEventDelivery": _partner_events,
    "IsolatedVpc": lambda stack: _vpc(stack),
    "IntegrationBuffer": lambda stack: library.IntegrationBuffer(stack, "Buffer", queue_name="orders"),
    "BufferConsumer": lambda stack: library.BufferConsumer(
        stack,
        "Consumer",
        queue_arn=QUEUE_ARN,
        key_arn=KEY_ARN,
        consumer=iam.Role(stack, "Worker", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com")),
    ),
    "BufferProducer": lambda stack: library.BufferProducer(
        stack,
        "Producer",
        queue_arn=QUEUE_ARN,
        key_arn=KEY_ARN,
        producer=iam.Role(stack, "Publisher", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")),
    ),
    "DropZoneWriter": lambda stack: library.DropZoneWriter(
        stack,
        "Writer",
        bucket_arn="arn:aws:s3:::airlock-payroll-220000000002-eu-central-1",
        key_arn=KEY_ARN,
        prefixes=["export/"],
        producer=iam.Role(stack, "Exporter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")),
    ),
    "DropZoneReader": lambda stack: library.DropZoneReader(
        stack,
        "Reader",
        bucket_arn="arn:aws:s3:::airlock-payroll-220000000002-eu-central-1",
        key_arn=KEY_ARN,
        prefixes=["drop/ledgerly/"],
        consumer=iam.Role(stack, "Processor", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")),
    ),
    "VendorAccessRole": lambda stack: library.VendorAccessRole(
        stack,
        "Vendor",
        external_id="LDG-CUST-000482-5f2b9e71d0c84a3b",
        principals=["arn:aws:iam::900000000022:role/ledgerly-file-transfer"],
    ),
    "DnsFirewall": lambda stack: library.DnsFirewall(
        stack, "DnsFirewall", vpc=_vpc(stack).vpc, allowed_domains=["api.vendor.example"]
    ),
    "FilteredEgress": _filtered_egress,
    "ServiceEndpoints": lambda stack: library.ServiceEndpoints(
        stack, "Endpoints", vpc=_vpc(stack).vpc, services=["sqs", "kms", "s3"], principal_org_id="o-a1b2c3d4e5"
    ),
    "VendorEndpoint": lambda stack: library.VendorEndpoint(
        stack,
        "Endpoint",
        vpc=_vpc(stack).vpc,
        service_name="com.amazonaws.vpce.eu-central-1.vpce-svc-0123456789abcdef0",
        ports=[443],
        sources=["10.40.0.0/24"],
    ),
    "VendorHostedZone": lambda stack: _hosted_zone(stack),
    "ExposedService": lambda stack: library.ExposedService(
        stack,
        "Api",
        vpc=_vpc(stack).vpc,
        ports=[443],
        target_ips=["10.40.0.10"],
        allowed_principals=["arn:aws:iam::900000000022:root"],
    ),
    "DropZone": lambda stack: library.DropZone(stack, "DropZone", prefixes=["drop/vendor/"]),
    "IntegrationMonitoring": _monitoring,
    "VendorWebhook": _webhook,
}


def test_every_public_construct_has_a_case():
    exported = {
        name
        for name in library.__all__
        if isinstance(getattr(library, name), type) and issubclass(getattr(library, name), Construct)
    }
    assert exported == set(BUILDERS), "add a builder for each construct exported from airlock.constructs"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_construct_alone_has_no_unacknowledged_findings(name, tmp_path):
    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account=ACCOUNT, region=REGION))
    built = BUILDERS[name](stack)
    assert isinstance(built, getattr(library, name))
    attach_packs(app, PACKS)
    try:
        app.synth()
    except RuntimeError as exc:
        if not is_validation_failure(exc):
            raise
    report = read_report(tmp_path)
    assert report.findings == (), "\n".join(f"{f.rule} {f.path}: {f.description[:120]}" for f in report.findings)


def test_a_self_assuming_monitoring_role_alone_has_no_unacknowledged_findings(tmp_path):
    """grant_monitoring acknowledges its own '*' resources (calls without resource-level
    permissions); self-assumption adds nothing a pack reports."""
    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account=ACCOUNT, region=REGION))
    vendor = library.VendorAccessRole(
        stack,
        "Vendor",
        external_id="1f8a2c4b9d7e4f3a8b6c5d2e1f0a9b8c",
        trusted_accounts=["464622532012"],
        self_assume=True,
    )
    vendor.grant_monitoring()
    attach_packs(app, PACKS)
    try:
        app.synth()
    except RuntimeError as exc:
        if not is_validation_failure(exc):
            raise
    report = read_report(tmp_path)
    assert report.findings == (), "\n".join(f"{f.rule} {f.path}: {f.description[:120]}" for f in report.findings)
    assert any("Resource::*" in a.rule for a in report.acknowledged)
