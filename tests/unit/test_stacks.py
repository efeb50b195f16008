"""The example's stacks: environments, dependencies, tags and wiring from the spec."""

from __future__ import annotations

import json

import pytest

from airlock.spec import validate
from tests.conftest import EXAMPLE_SPEC
from tests.specs import spec_data

INTEGRATION_STACKS = ["airlock-crm-eu-central-1", "airlock-payroll-eu-central-1", "airlock-events-eu-west-1"]
MANDATORY_TAGS = {
    "airlock:integration",
    "airlock:owner",
    "airlock:vendor",
    "airlock:data-classification",
    "airlock:cost-centre",
}


def test_stacks_target_the_declared_accounts_and_regions(example_synth):
    result, _ = example_synth
    environments = {s.name: (s.account, s.region) for s in result.stacks}
    assert environments == {
        "airlock-organization": ("100000000001", "eu-central-1"),
        "airlock-organization-accounts-09": ("100000000001", "eu-central-1"),
        "airlock-organization-accounts-19": ("100000000001", "eu-central-1"),
        "airlock-organization-accounts-20": ("100000000001", "eu-central-1"),
        "airlock-crm-eu-central-1": ("210000000001", "eu-central-1"),
        "airlock-payroll-eu-central-1": ("220000000002", "eu-central-1"),  # from the account lock file
        "airlock-events-eu-west-1": ("230000000003", "eu-west-1"),
    }


def test_integration_stacks_deploy_after_the_organization(example_assembly):
    manifest = json.loads((example_assembly.outdir / "manifest.json").read_text())
    from airlock.layout import plan_layout
    from airlock.spec import load

    spec = load(EXAMPLE_SPEC)
    layout = plan_layout(spec.organization, spec.integrations)
    for stack in INTEGRATION_STACKS:
        integration = spec.integration(stack.removeprefix("airlock-").rsplit("-", 3)[0])
        dependencies = manifest["artifacts"][stack]["dependencies"]
        assert "airlock-organization" in dependencies
        assert layout.stack_of(integration) in dependencies  # its account and account SCPs come first


def test_organization_creates_ou_and_only_the_created_account(example_assembly):
    ou = example_assembly.resources("airlock-organization", "AWS::Organizations::OrganizationalUnit")
    (ou_props,) = [r["Properties"] for r in ou.values()]
    assert ou_props["Name"] == "saas-integrations"
    assert ou_props["ParentId"] == "r-a1b2"
    assert example_assembly.resources("airlock-organization", "AWS::Organizations::Account") == {}
    layer = example_assembly.organization_layer()["Resources"]
    (account,) = [r for r in layer.values() if r["Type"] == "AWS::Organizations::Account"]
    assert account["Properties"]["AccountName"] == "airlock-payroll"
    assert account["DeletionPolicy"] == "Retain"
    assert account["UpdateReplacePolicy"] == "Retain"


def test_created_accounts_are_serialized(bare_stack):
    import aws_cdk as cdk

    from airlock.stacks import OrganizationStack

    data = spec_data()
    second = {
        **data["integrations"][1],
        "name": "hr2",
        "network": {"cidr": "10.30.0.0/23", "az_ids": ["euw1-az1", "euw1-az2"]},
    }
    second["account"] = {"create": {"name": "airlock-hr2", "email": "hr2@example.com"}}
    data["integrations"].append(second)
    spec = validate(data)
    stack = OrganizationStack(cdk.App(), "Org", organization=spec.organization, integrations=spec.integrations)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    accounts = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Organizations::Account"}
    first_id = next(k for k, v in accounts.items() if v["Properties"]["AccountName"] == "airlock-payroll")
    later = next(v for v in accounts.values() if v["Properties"]["AccountName"] == "airlock-hr2")
    assert later["DependsOn"] == [first_id]


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_every_taggable_resource_carries_the_mandatory_tags(example_assembly, stack):
    untagged = []
    for logical_id, resource in example_assembly.template(stack)["Resources"].items():
        tags = resource.get("Properties", {}).get("Tags")
        if tags is None:
            continue
        keys = {t["Key"] for t in tags} if isinstance(tags, list) else set(tags)
        if not MANDATORY_TAGS <= keys:
            untagged.append(logical_id)
    assert not untagged


def test_buffers_are_named_after_integration_and_buffer(example_assembly):
    queues = example_assembly.resources("airlock-events-eu-west-1", "AWS::SQS::Queue")
    names = sorted(q["Properties"]["QueueName"] for q in queues.values())
    assert names == ["airlock-events-tracking-dlq.fifo", "airlock-events-tracking.fifo"]


def test_spec_values_reach_the_template(example_assembly):
    subnets = example_assembly.resources("airlock-payroll-eu-central-1", "AWS::EC2::Subnet")
    assert sorted(s["Properties"]["AvailabilityZoneId"] for s in subnets.values()) == ["euc1-az1", "euc1-az2"]
    (flow_log,) = example_assembly.resources("airlock-payroll-eu-central-1", "AWS::EC2::FlowLog").values()
    groups = example_assembly.resources("airlock-payroll-eu-central-1", "AWS::Logs::LogGroup")
    group = groups[flow_log["Properties"]["LogGroupName"]["Ref"]]
    assert group["Properties"]["RetentionInDays"] == 731
    queues = example_assembly.resources("airlock-payroll-eu-central-1", "AWS::SQS::Queue")
    source = next(q for q in queues.values() if "RedrivePolicy" in q["Properties"])
    assert source["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 3
    assert source["Properties"]["VisibilityTimeout"] == 720


def test_integration_without_account_id_is_left_out_with_next_step(tmp_path):
    import aws_cdk as cdk

    from airlock.spec import AccountLock
    from airlock.stacks import build

    spec = validate(spec_data())
    app = cdk.App()
    zone = build(app, spec, lock=AccountLock())
    assert [s.stack_name for s in zone.integrations] == ["airlock-crm-eu-central-1"]
    ((name, reason),) = zone.skipped
    assert name == "payroll"
    assert "deploy airlock-organization" in reason
    assert "airlock accounts sync" in reason
