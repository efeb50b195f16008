"""Where the organization layer puts each integration, and what its stacks hold."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from airlock.layout import (
    ORGANIZATION_STACK,
    account_stack_name,
    account_stack_number,
    jump_hash,
    plan_layout,
)
from airlock.limits import LimitBreach
from airlock.spec import AccountLock, SpecError, validate
from airlock.stacks import build, new_app
from airlock.stacks.organization import ou_export_name
from tests.specs import spec_data

NAMES = [f"integration-{n}" for n in range(2000)]


def test_the_placement_is_stable_and_known():
    """A name's stack never depends on the other integrations; these values are deployed, never change them."""
    assert [account_stack_number(name, 20) for name in ("crm", "payroll", "events")] == [20, 9, 19]
    assert account_stack_name(7) == "airlock-organization-accounts-07"


def test_more_account_stacks_move_names_only_into_the_new_stacks():
    before = {name: account_stack_number(name, 20) for name in NAMES}
    after = {name: account_stack_number(name, 24) for name in NAMES}
    moved = [name for name in NAMES if before[name] != after[name]]
    assert all(after[name] > 20 for name in moved)
    assert 0.1 < len(moved) / len(NAMES) < 0.25  # about 4 / 24 of them


def test_the_hash_spreads_names_evenly():
    counts = [0] * 20
    for name in NAMES[:1000]:
        counts[account_stack_number(name, 20) - 1] += 1
    assert min(counts) > 30 and max(counts) < 75


def test_jump_hash_refuses_no_buckets():
    with pytest.raises(ValueError, match="at least 1"):
        jump_hash(1, 0)


def test_kept_integrations_stay_in_the_organization_stack_and_others_are_hashed():
    spec = validate(spec_data(**{"organization.layout": {"kept_in_organization_stack": ["payroll"]}}))
    layout = plan_layout(spec.organization, spec.integrations)
    assert layout.stack_of("payroll") == ORGANIZATION_STACK
    assert layout.stack_of("crm") == account_stack_name(account_stack_number("crm", 20))
    assert list(layout.account_stacks) == [layout.stack_of("crm")]


def test_a_kept_name_that_is_no_integration_is_refused_with_the_fix():
    with pytest.raises(SpecError) as raised:
        validate(spec_data(**{"organization.layout": {"kept_in_organization_stack": ["crm", "hr"]}}))
    (issue,) = raised.value.issues
    assert issue.path == "organization.layout.kept_in_organization_stack[1]"
    assert "'hr' is not an integration of the spec" in issue.message and "remove it from the list" in issue.message


@pytest.mark.parametrize("count", [0, 100])
def test_the_number_of_account_stacks_is_bounded(count):
    with pytest.raises(SpecError, match=r"organization\.layout\.account_stacks"):
        validate(spec_data(**{"organization.layout": {"account_stacks": count}}))


def zone(changes: dict, lock: dict[str, str] | None = None):
    app = new_app(None)
    return build(app, validate(spec_data(**changes)), lock=AccountLock(ids=lock or {}), packs=())


def test_an_account_stack_creates_the_account_in_the_imported_ou_and_fences_it():
    landing = zone({}, {"payroll": "220000000002"})
    (stack,) = [s for s in landing.account_stacks if "payroll" in s.accounts]
    template = Template.from_stack(stack).to_json()
    (account_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Organizations::Account"]
    account = template["Resources"][account_id]
    assert account["Properties"]["ParentIds"] == [{"Fn::ImportValue": ou_export_name("saas-integrations")}]
    assert account["DeletionPolicy"] == "Retain"
    policies = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Organizations::Policy"]
    # the account's guardrail SCP and its data-perimeter RCP, both on the created account
    assert sorted(p["Type"] for p in policies) == ["RESOURCE_CONTROL_POLICY", "SERVICE_CONTROL_POLICY"]
    assert [p["TargetIds"] for p in policies] == [[{"Fn::GetAtt": [account_id, "AccountId"]}]] * 2
    assert template["Outputs"]["payrollAccountId"]["Value"] == {"Fn::GetAtt": [account_id, "AccountId"]}
    main = Template.from_stack(landing.organization).to_json()
    exports = {o["Export"]["Name"] for o in main["Outputs"].values() if "Export" in o}
    assert ou_export_name("saas-integrations") in exports


def test_the_quarantine_names_a_created_account_of_an_account_stack_by_its_locked_id():
    landing = zone({"integrations.1.state": "suspended"}, {"payroll": "220000000002"})
    template = Template.from_stack(landing.organization).to_json()
    (quarantine,) = [r for r in template["Resources"].values() if r["Properties"].get("Name") == "airlock-quarantine"]
    assert quarantine["Properties"]["TargetIds"] == ["220000000002"]


def test_suspending_an_account_not_created_yet_is_refused():
    with pytest.raises(SpecError) as raised:
        zone({"integrations.1.state": "suspended"})
    (issue,) = raised.value.issues
    assert issue.path == "integrations[1].state"
    assert "not created yet" in issue.message and "set state to 'active'" in issue.message


@pytest.mark.parametrize(
    ("stack", "fix"),
    [
        ("airlock-organization", "declare fewer sub-OUs (organization.ous)"),
        ("airlock-organization-accounts-07", "raise organization.layout.account_stacks"),
        ("airlock-crm-eu-central-1", "declare fewer buffers or endpoints in this integration"),
        ("airlock-pipeline", "split the landing zone into two specs"),
    ],
)
def test_a_limit_error_says_what_to_change_in_that_stacks_terms(stack, fix):
    message = str(LimitBreach(stack, "Resources", 512, 500))
    assert message.startswith(f"stack {stack} has 512 resources; CloudFormation allows at most 500: ")
    assert fix in message
    if stack.startswith("airlock-organization"):
        assert "split it into two integrations" not in message


def test_the_organization_layer_stacks_are_in_the_management_account():
    landing = zone({}, {"payroll": "220000000002"})
    for stack in [landing.organization, *landing.account_stacks]:
        assert (stack.account, stack.region) == ("100000000001", "eu-central-1")
        assert stack.termination_protection is True
