"""Integrations without a network: a role-only or event-only vendor gets no VPC, flow logs, DNS
Firewall or rejected-traffic alarm, and everything that reads ``integration.network`` copes."""

from __future__ import annotations

from datetime import date

import pytest
from aws_cdk.assertions import Template

from airlock.spec import AccountLock, SpecError, load, validate
from tests.conftest import RECIPES
from tests.specs import DELETE, spec_data

NETWORK_TYPES = (
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::FlowLog",
    "AWS::EC2::VPCEndpoint",
    "AWS::Route53Resolver::FirewallRuleGroupAssociation",
    "AWS::Route53Resolver::ResolverQueryLoggingConfig",
    "AWS::Logs::MetricFilter",
)


def without_network(**changes):
    return validate(spec_data(**{"integrations.0.network": DELETE, **changes}))


@pytest.fixture(scope="module")
def zone():
    import aws_cdk as cdk

    from airlock.stacks import build

    spec = without_network(**{"integrations.1.account": {"adopt": "220000000002"}})
    app = cdk.App(analytics_reporting=False)
    built = build(app, spec, lock=AccountLock())
    stacks = {stack.integration.name: stack for stack in built.integrations}
    return spec, stacks


def test_the_network_block_is_optional():
    spec = without_network()
    assert spec.integrations[0].network is None
    assert spec.integrations[1].network is not None


def test_an_integration_without_a_network_has_no_vpc_flow_logs_dns_firewall_or_rejected_traffic_alarm(zone):
    _, stacks = zone
    template = Template.from_stack(stacks["crm"])
    for type_ in NETWORK_TYPES:
        assert template.find_resources(type_) == {}, type_
    alarms = [r["Properties"]["AlarmName"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()]
    assert alarms and not [name for name in alarms if "rejected-flows" in name]
    assert "VpcId" not in template.to_json().get("Outputs", {})
    # the buffer is still there, with its alarms
    assert template.find_resources("AWS::SQS::Queue")
    assert stacks["crm"].network is None and stacks["crm"].networking is None


def test_the_other_integration_keeps_its_network(zone):
    _, stacks = zone
    template = Template.from_stack(stacks["payroll"])
    for type_ in ("AWS::EC2::VPC", "AWS::EC2::FlowLog", "AWS::Route53Resolver::FirewallRuleGroupAssociation"):
        assert template.find_resources(type_), type_
    alarms = [r["Properties"]["AlarmName"] for r in template.find_resources("AWS::CloudWatch::Alarm").values()]
    assert any("rejected-flows" in name for name in alarms)


def test_guardrails_register_verify_and_architecture_cope_without_a_network(zone):
    from airlock.register import build_register
    from airlock.register.markdown import integration_page
    from airlock.spec.impact import deployment_architecture
    from airlock.stacks.guardrail_plan import plan_scps
    from airlock.verify.expected import expectations_for

    spec, _ = zone
    plan = plan_scps(spec.organization, spec.integrations)
    assert any(target.integration == "crm" for target in plan.targets)
    register = build_register(spec, today=date(2026, 9, 1))
    crm = register.integrations[0]
    assert crm.network_cidr is None and crm.az_ids == {"eu-central-1": []}
    assert "| network | none (no VPC" in integration_page(crm)
    assert ("crm", "eu-central-1") not in expectations_for(spec, AccountLock()).endpoints
    (region,) = deployment_architecture(spec.integrations[0]).regions
    assert region.az_ids == () and region.zones == ()
    assert region.if_one_az_fails == ("SQS is a regional service: the buffer keeps working",)


def test_a_privatelink_data_flow_needs_a_network():
    flow = {
        "name": "orders",
        "direction": "inbound",
        "classification": "internal",
        "description": "Orders over PrivateLink.",
        "via": "privatelink",
    }
    with pytest.raises(SpecError) as caught:
        without_network(**{"integrations.0.data_flows": [flow]})
    messages = {issue.path: issue.message for issue in caught.value.issues}
    assert "'privatelink' but the integration has no network" in messages["integrations[0].data_flows[0].via"]
    assert "add a network block" in messages["integrations[0].data_flows[0].via"]


def test_the_datadog_recipe_has_no_network_and_still_proves(recipe_check):
    spec = load(RECIPES["datadog-monitoring"])
    assert spec.integrations[0].network is None
    templates = recipe_check("datadog-monitoring").assembly
    template = templates.template("airlock-telemetry-eu-central-1")
    assert not [r for r in template["Resources"].values() if r["Type"] in NETWORK_TYPES]


def test_the_benchmark_generator_can_leave_networks_out():
    from benchmarks.generate import generate_spec

    spec = validate(generate_spec(4, without_network_every=2))
    assert [i.network is None for i in spec.integrations] == [True, False, True, False]
    assert all(i.network is not None for i in validate(generate_spec(3)).integrations)
