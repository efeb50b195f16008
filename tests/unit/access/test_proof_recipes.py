"""The vendor recipes (examples/vendors/): each passes ``airlock check``, and its proof shows every
documented vendor request allowed step by step, each misuse denied, and the vendor's effective
access equal to what the recipe declares."""

from __future__ import annotations

from datetime import date

import pytest

from airlock.access.proof import prove
from airlock.register import build_register
from airlock.spec import load, load_account_lock
from tests.conftest import RECIPES

PATTERNS = {
    "snowflake-storage-integration",
    "datadog-monitoring",
    "databricks-credential-role",
    "fivetran-s3-connector",
    "segment-s3-destination",
    "github-webhooks",
    "salesforce-event-relay",
    "confluent-privatelink",
    "mongodb-atlas-privatelink",
    "databricks-backend-privatelink",
    "datadog-agent-marketplace",
}


@pytest.fixture(scope="session")
def recipe_proof(recipe_check):
    cache = {}

    def proof(name):
        if name not in cache:
            checked = recipe_check(name)
            cache[name] = prove(checked.assembly.outdir, load(checked.spec), load_account_lock(checked.spec))
        return cache[name]

    return proof


def test_there_is_a_recipe_per_pattern():
    assert PATTERNS <= set(RECIPES)


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_each_recipe_passes_airlock_check_with_the_proof(recipe_check, name):
    report = recipe_check(name).report
    assert report["passed"] is True, report["findings"]
    assert report["findings"] == []
    assert "Access" in report["packs"] and "cfn-lint" in report["packs"]
    assert {"AwsSolutions", "Airlock", "NIST.800.53.R5"} <= set(report["packs"])


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_each_recipe_is_proven_flow_by_flow_and_access_equals_its_grants(recipe_proof, name):
    proof = recipe_proof(name)
    assert proof.failures() == []
    assert proof.flows and all(flow.passed for flow in proof.flows)
    assert proof.probes and all(probe.passed for probe in proof.probes)
    for result in proof.access:
        assert result.equal, (result.beyond, result.ineffective, result.undecided)
        assert result.allowed == result.expected


def _flow(proof, name):
    (flow,) = [f for f in proof.flows if f.name == name]
    return [(s.detail.get("action"), s.detail.get("resource"), s.detail.get("context", {})) for s in flow.steps]


def _effective(proof, integration):
    (result,) = [r for r in proof.access if r.integration == integration]
    return {
        (
            a.action,
            a.resource.rsplit("/", 1)[-1] if a.resource.startswith("arn:aws:s3") else a.resource,
            a.via,
            a.context,
        )
        for a in result.allowed
    }


def test_snowflake_reads_its_load_prefix_as_an_iam_user_and_unloads_into_its_own(recipe_proof):
    proof = recipe_proof("snowflake-storage-integration")
    steps = _flow(proof, "vendor grant read_objects load/")
    assert [action for action, _, _ in steps] == [
        "sts:AssumeRole",
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "kms:Decrypt",
    ]
    (principal,) = {s.detail["principal"] for s in proof.flows[0].steps}
    assert principal == "arn:aws:iam::920000000012:user/k7m2-s-cfre4821"
    listing = steps[1][2]
    assert listing["s3:prefix"] == ["load/"]
    bucket = "airlock-warehouse-280000000008-eu-central-1"
    assert {(a, r) for a, r, _, _ in _effective(proof, "warehouse") if a.startswith("s3:")} == {
        ("s3:GetObject", "airlock-proof.csv"),
        ("s3:GetObjectVersion", "airlock-proof.csv"),
        ("s3:ListBucket", f"arn:aws:s3:::{bucket}"),
        ("s3:GetBucketLocation", f"arn:aws:s3:::{bucket}"),
        ("s3:PutObject", "airlock-proof.csv"),
        ("s3:DeleteObject", "airlock-proof.csv"),
        ("s3:DeleteObjectVersion", "airlock-proof.csv"),
    }
    (result,) = proof.access
    reads = {a.resource for a in result.allowed if a.action == "s3:GetObject"}
    writes = {a.resource for a in result.allowed if a.action in ("s3:PutObject", "s3:DeleteObject")}
    assert reads == {f"arn:aws:s3:::{bucket}/load/airlock-proof.csv"}
    assert writes == {f"arn:aws:s3:::{bucket}/unload/airlock-proof.csv"}
    assert {a.context for a in result.allowed if a.action == "s3:ListBucket"} == {"s3:prefix=load/"}
    # Both directions end to end: the core writes and Snowflake reads; Snowflake writes and the core reads.
    outbound = [a for a, _, _ in _flow(proof, "data flow orders-load")]
    assert outbound[:3] == ["s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt"] and "s3:GetObject" in outbound
    inbound = [a for a, _, _ in _flow(proof, "data flow results-unload")]
    assert inbound.index("s3:PutObject") < inbound.index("sqs:ReceiveMessage") < inbound.index("s3:GetObject")


def test_segment_may_put_only_with_bucket_owner_full_control(recipe_proof):
    proof = recipe_proof("segment-s3-destination")
    steps = _flow(proof, "vendor grant put_objects segment-logs/")
    puts = [(action, context) for action, _, context in steps if action and action.startswith("s3:")]
    assert puts == [
        ("s3:PutObject", {**puts[0][1], "s3:x-amz-acl": ["bucket-owner-full-control"]}),
        ("s3:PutObjectAcl", {**puts[1][1], "s3:x-amz-acl": ["bucket-owner-full-control"]}),
    ]
    (result,) = proof.access
    uploads = {(a.action, a.context) for a in result.allowed if a.action.startswith("s3:")}
    assert uploads == {
        ("s3:PutObject", "s3:x-amz-acl=bucket-owner-full-control"),
        ("s3:PutObjectAcl", "s3:x-amz-acl=bucket-owner-full-control"),
    }
    denied = {p.name for p in proof.probes if p.passed}
    assert {"put under segment-logs/ without an ACL", "put under segment-logs/ with ACL public-read"} <= denied


def test_databricks_role_assumes_itself_and_no_one_else_does(recipe_proof):
    proof = recipe_proof("databricks-credential-role")
    for integration, account in (("lake-raw", "260000000006"), ("lake-curated", "270000000007")):
        (flow,) = [f for f in proof.flows if f.integration == integration and f.name.startswith("the role assumes")]
        assert flow.passed
        again = flow.steps[-1]
        role = f"arn:aws:iam::{account}:role/airlock-{integration}-vendor"
        assert again.detail["action"] == "sts:AssumeRole" and again.detail["resource"] == role
        assert again.detail["principal"] == role
        probes = {p.name: p for p in proof.probes if p.integration == integration}
        assert probes[f"another principal of {account} assumes airlock-{integration}-vendor"].passed
        assert probes["the vendor's session chains into another role"].passed
        (result,) = [r for r in proof.access if r.integration == integration]
        assert [a for a in result.allowed if a.action == "sts:AssumeRole" and a.role == role] != []


def test_databricks_integrations_share_the_external_id_declared_once(recipe_proof):
    proof = recipe_proof("databricks-credential-role")
    shared = "6f3c2a1e-8b7d-4c5a-9e0f-1a2b3c4d5e6f"
    assumes = [f for f in proof.flows if f.name.startswith("vendor assumes its role")]
    assert {f.integration for f in assumes} == {"lake-raw", "lake-curated"}
    for flow in assumes:
        assert flow.steps[0].detail["context"]["sts:externalid"] == [shared]
    assert all(p.passed for p in proof.probes if p.name == "assume role with a wrong external id")


def test_fivetran_trusts_its_account_with_its_short_external_id(recipe_proof):
    proof = recipe_proof("fivetran-s3-connector")
    (flow,) = [f for f in proof.flows if f.name.startswith("vendor assumes its role")]
    assert flow.steps[0].detail["principal"] == "arn:aws:iam::834469178297:role/any-role-of-834469178297"
    assert flow.steps[0].detail["context"]["sts:externalid"] == ["amiable_fjord"]
    assert {p.name for p in proof.probes if p.passed} >= {
        "assume role without the external id",
        "list the drop zone without a prefix",
        "s3:GetObject outside the granted prefixes (arn:aws:s3:::airlock-elt-290000000009-eu-central-1/...)",
    }
    (result,) = proof.access
    listing = {a.context for a in result.allowed if a.action == "s3:ListBucket"}
    # The connector lists export/fivetran/ and nothing above it (the zone's prefix export/).
    assert listing == {"s3:prefix=export/fivetran/"}


def test_datadog_reads_exactly_the_monitoring_actions_the_register_shows(recipe_proof, recipe_check):
    proof = recipe_proof("datadog-monitoring")
    (result,) = proof.access
    effective = {a.action for a in result.allowed if a.role is not None}
    spec = load(recipe_check("datadog-monitoring").spec)
    register = build_register(spec, today=date(2026, 9, 1))
    (grant,) = register.integrations[0].access.grants
    assert grant.kind == "monitoring"
    assert set(grant.actions) == effective
    assert len(grant.actions) == len(set(grant.actions))
    denied = {p.name for p in proof.probes if p.passed}
    for misuse in ("change an alarm", "delete an alarm", "write metrics", "read another account's alarms"):
        assert f"monitoring: {misuse}" in denied
    scoped = {a.action: a.resource for a in result.allowed if a.resource != "*" and a.role is not None}
    assert scoped["budgets:ViewBudget"] == "arn:aws:budgets::250000000005:budget/airlock-telemetry"
    assert scoped["cloudwatch:DescribeAlarms"].startswith("arn:aws:cloudwatch:eu-central-1:250000000005:alarm:")


def test_a_github_delivery_is_allowed_step_by_step_and_nothing_else_reaches_through(recipe_proof):
    proof = recipe_proof("github-webhooks")
    (flow,) = [f for f in proof.flows if f.name == "vendor delivers to webhook github"]
    assert flow.passed
    assert [s.kind for s in flow.steps[:3]] == ["waf", "iam", "integration"]
    assert flow.steps[0].detail["address"] == "192.30.252.1"  # inside GitHub's first hooks range
    invoke = flow.steps[1].detail
    assert invoke["principal"] == "*" and invoke["action"] == "execute-api:Invoke"
    assert invoke["resource"].endswith("/prod/POST/hooks/github") and invoke["context"]["aws:sourceip"] == [
        "192.30.252.1"
    ]
    chain = [(s.detail.get("principal"), s.detail.get("action")) for s in flow.steps[3:]]
    role = chain[1][0]
    assert chain[0] == ("apigateway.amazonaws.com", "sts:AssumeRole")
    assert chain[1:] == [(role, "sqs:SendMessage"), (role, "kms:GenerateDataKey"), (role, "kms:Decrypt")]
    assert flow.steps[4].detail["resource"] == "arn:aws:sqs:eu-central-1:280000000008:airlock-code-events-deliveries"
    assert flow.steps[5].detail["context"]["kms:viaservice"] == ["sqs.eu-central-1.amazonaws.com"]
    # The data flow runs from the vendor's push to the core consumer's receive.
    (data,) = [f for f in proof.flows if f.name == "data flow repository-events"]
    actions = [s.detail.get("action") for s in data.steps]
    assert data.passed and actions.index("sqs:SendMessage") < actions.index("sqs:ReceiveMessage")
    denied = {p.name: p.why for p in proof.probes if p.passed}
    assert denied["deliver to webhook github from 203.0.113.200"] == "the WAF allow-list"
    assert denied["invoke webhook github from 203.0.113.200"] == "the API's resource policy"
    assert "webhook github's role sends to airlock-code-events-deliveries-dlq" in denied
    assert "webhook github's role sends to airlock-proof-any-queue" in denied
    assert "webhook github's role calls sqs:ReceiveMessage" in denied
    assert "lambda.amazonaws.com assumes webhook github's role" in denied


SALESFORCE_SOURCE = "aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE"


def test_salesforce_events_travel_from_the_partner_source_through_its_bus_and_rule_into_the_buffer(recipe_proof):
    proof = recipe_proof("salesforce-event-relay")
    (flow,) = [f for f in proof.flows if f.name == f"partner events of {SALESFORCE_SOURCE} reach order-events"]
    assert flow.passed
    assert [s.kind for s in flow.steps] == ["events", "events", "iam", "iam", "iam"]
    queue = "arn:aws:sqs:eu-central-1:310000000011:airlock-crm-events-order-events"
    rule = f"arn:aws:events:eu-central-1:310000000011:rule/{SALESFORCE_SOURCE}/airlock-to-order-events"
    assert flow.steps[1].detail["resource"] == queue
    send = flow.steps[2].detail
    assert (send["principal"], send["action"], send["resource"]) == ("events.amazonaws.com", "sqs:SendMessage", queue)
    assert send["context"]["aws:sourcearn"] == [rule]
    # The account's RCPs are consulted at every level, and admit EventBridge acting for the account's rule.
    assert "rcp" in {source.kind for source in flow.steps[2].decision.deciding}
    assert [s.detail["action"] for s in flow.steps[3:]] == ["kms:GenerateDataKey", "kms:Decrypt"]
    # End to end: the relay delivers, then the fulfilment core consumes.
    actions = [s.detail.get("action") for s in next(f for f in proof.flows if f.name == "data flow order-events").steps]
    assert actions.index("sqs:SendMessage") < actions.index("sqs:ReceiveMessage")
    denied = {p.name for p in proof.probes if p.passed}
    assert {
        "EventBridge delivers to order-events for another rule of the account",
        "EventBridge delivers to order-events for a rule of another account",
    } <= denied
    # Salesforce holds no role: no effective access of a vendor principal.
    assert all(not result.allowed for result in proof.access)


def test_snowflake_hears_of_each_load_file_on_its_own_queue_and_the_core_of_each_unload_file(recipe_proof):
    proof = recipe_proof("snowflake-storage-integration")
    queue = "arn:aws:sqs:eu-central-1:920000000012:sf-snowpipe-AIDAJ2WXQ5EXAMPLE-k7m2cfre4821"
    (flow,) = [f for f in proof.flows if f.name == f"drop zone announces files to the vendor's {queue}"]
    assert flow.passed
    configured, send = flow.steps
    assert configured.kind == "notification" and configured.detail["prefix"] == "load/"
    assert (send.detail["principal"], send.detail["action"], send.detail["resource"]) == (
        "s3.amazonaws.com",
        "sqs:SendMessage",
        queue,
    )
    assert send.detail["context"]["aws:sourcearn"] == ["arn:aws:s3:::airlock-warehouse-280000000008-eu-central-1"]
    assert "the vendor's own policy" in send.decision.reason
    # The queue is outside the organisation: no RCP of the landing zone governs it, no SCP a service.
    assert {source.kind for source in send.decision.deciding} == {"resource"}
    # The core writes load files, S3 tells Snowflake's queue, Snowflake reads them.
    outbound = [s.detail.get("action") for s in next(f for f in proof.flows if f.name == "data flow orders-load").steps]
    assert outbound.index("s3:PutObject") < outbound.index("sqs:SendMessage") < outbound.index("s3:GetObject")


def test_the_datadog_agent_pulls_from_the_marketplace_registry_and_reaches_no_other_account(recipe_proof):
    proof = recipe_proof("datadog-agent-marketplace")
    flows = {flow.name: flow for flow in proof.flows}
    for service in ("ecr.api", "ecr.dkr"):
        flow = flows[f"vendor resources of 709825985650 through the {service} endpoint (us-east-1)"]
        assert flow.passed
        request = flow.steps[-1]
        assert request.detail["resource"].startswith("arn:aws:ecr:us-east-1:709825985650:repository/")
        assert "OrganizationPrincipalsToDeclaredVendorResources" in {s.sid for s in request.decision.deciding}
    assert flows["ECR image layers through the s3 endpoint (us-east-1)"].passed
    assert flows["service endpoint kinesis-firehose (us-east-1)"].passed
    dns = [
        s.detail["query"]
        for s in flows["vendor resources of 709825985650 through the ecr.dkr endpoint (us-east-1)"].steps
        if s.kind == "dns"
    ]
    assert dns == ["709825985650.dkr.ecr.us-east-1.amazonaws.com"]
    probes = {p.name: p for p in proof.probes}
    for name in (
        "reach a resource of outside account 999999999999 through the ecr.dkr endpoint",
        "reach a resource of outside account 999999999999 through the s3 endpoint",
        "reach vendor account 709825985650 through the s3 endpoint it is not admitted to",
        "reach vendor account 709825985650 through the kinesis-firehose endpoint it is not admitted to",
        "write into ECR's image-layer bucket",
    ):
        assert probes[name].passed, name
