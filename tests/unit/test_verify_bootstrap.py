"""`airlock verify` finds a hand-made CDK bootstrap stack in an adopted account before it moves into the OU.

The bootstrap StackSet deploys into every account that enters the dedicated OU; where the
account was bootstrapped by hand (``cdk bootstrap``: stack ``CDKToolkit``) with the same
qualifier, its roles, bucket and version parameter already exist under the StackSet's names
and the stack instance fails with AlreadyExists.
"""

from __future__ import annotations

from airlock.verify import Status
from airlock.verify.checks import bootstrap
from airlock.verify.registry import REGISTRY
from airlock.verify.runner import run_check
from tests.verify_stubs import CRM, MANAGEMENT, make_spec

OU = {"Id": "ou-a1b2-11111111", "Arn": "arn:aws:organizations::100000000001:ou/o-x/ou-a1b2-11111111"}


def _toolkit(qualifier: str | None = "hnb659fds") -> dict:
    stack = {"StackName": "CDKToolkit", "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-01-01T00:00:00Z"}
    if qualifier is not None:
        stack["Parameters"] = [{"ParameterKey": "Qualifier", "ParameterValue": qualifier}]
    return {"Stacks": [stack]}


def _outside_the_ou(stubs):
    org = stubs("organizations", MANAGEMENT)
    org.add_response(
        "list_organizational_units_for_parent", {"OrganizationalUnits": [{**OU, "Name": "saas-integrations"}]}
    )
    org.add_response("list_parents", {"Parents": [{"Id": "r-a1b2", "Type": "ROOT"}]}, {"ChildId": CRM})


def _no_stack(stubber) -> None:
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id CDKToolkit does not exist",
    )


def test_a_hand_made_bootstrap_stack_is_reported_before_the_move(stubs):
    _outside_the_ou(stubs)
    stubs("cloudformation", CRM, "eu-central-1").add_response(
        "describe_stacks", _toolkit(), {"StackName": "CDKToolkit"}
    )
    _no_stack(stubs("cloudformation", CRM, "eu-west-1"))
    findings = bootstrap.hand_made_bootstrap(stubs.context(integration="crm"))
    assert [(f.check_id, f.status, f.region) for f in findings] == [
        ("AV-BOOTSTRAP-1", Status.DRIFT, "eu-central-1"),
        ("AV-BOOTSTRAP-1", Status.OK, "eu-west-1"),
    ]
    drift = findings[0]
    assert drift.resource == f"{CRM}/eu-central-1/CDKToolkit"
    assert "AlreadyExists" in drift.message and "docs/runbook.md" in drift.message
    stubs.assert_no_pending_responses()


def test_another_qualifier_does_not_collide(stubs):
    _outside_the_ou(stubs)
    stubs("cloudformation", CRM, "eu-central-1").add_response("describe_stacks", _toolkit("other"))
    _no_stack(stubs("cloudformation", CRM, "eu-west-1"))
    findings = bootstrap.hand_made_bootstrap(stubs.context(integration="crm"))
    assert [f.status for f in findings] == [Status.OK, Status.OK]
    assert "qualifier 'other'" in findings[0].message


def test_a_template_without_the_qualifier_parameter_uses_the_default_one(stubs):
    _outside_the_ou(stubs)
    stubs("cloudformation", CRM, "eu-central-1").add_response("describe_stacks", _toolkit(None))
    _no_stack(stubs("cloudformation", CRM, "eu-west-1"))
    statuses = [f.status for f in bootstrap.hand_made_bootstrap(stubs.context(integration="crm"))]
    assert statuses == [Status.DRIFT, Status.OK]


def test_an_account_in_the_ou_is_the_stacksets_and_costs_no_call(stubs):
    org = stubs("organizations", MANAGEMENT)
    org.add_response(
        "list_organizational_units_for_parent", {"OrganizationalUnits": [{**OU, "Name": "saas-integrations"}]}
    )
    org.add_response("list_parents", {"Parents": [{"Id": OU["Id"], "Type": "ORGANIZATIONAL_UNIT"}]})
    ctx = stubs.context(integration="crm")
    (before,) = REGISTRY["AV-ACCOUNT-1"].function(ctx)
    (finding,) = bootstrap.hand_made_bootstrap(ctx)  # the OU and the parents are read once per run
    assert before.status is Status.OK
    assert finding.status is Status.OK and "StackSet" in finding.message
    stubs.assert_no_pending_responses()


def test_created_accounts_and_a_disabled_stackset_need_no_look(stubs):
    (created,) = bootstrap.hand_made_bootstrap(stubs.context(integration="payroll"))
    assert created.status is Status.OK
    spec = make_spec(**{"organization.bootstrap": {"enabled": False}})
    (off,) = run_check(REGISTRY["AV-BOOTSTRAP-1"], stubs.context(spec, integration="crm"))
    assert off.status is Status.OK and "enabled: false" in off.message
