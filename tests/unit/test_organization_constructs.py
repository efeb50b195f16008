"""The organization constructs on their own, without a spec: props, defaults and early errors."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from airlock.constructs.bootstrap import AccountBootstrap
from airlock.constructs.guardrails import GuardrailPolicies, QuarantinePolicy, ScpBudgetError, ScpQuota

DEPLOY = "arn:aws:iam::*:role/cdk-hnb659fds-*"
BREAK_GLASS = "arn:aws:iam::*:role/airlock-break-glass"


def statement(sid: str, padding: int = 0) -> dict:
    return {"Sid": sid, "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::" + "x" * padding}


def test_guardrail_policies_attach_every_packed_policy_to_the_target(bare_stack):
    stack = bare_stack()
    built = GuardrailPolicies(
        stack,
        "Ou",
        target_id="ou-a1b2-abcdefgh",
        target_name="ou-prod",
        statements=[statement("A", 400), statement("B", 400)],
        quota=ScpQuota(max_policy_characters=600),
    )
    assert len(built.policies) == 2
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Organizations::Policy", 2)
    template.has_resource_properties(
        "AWS::Organizations::Policy",
        {
            "Name": "airlock-ou-prod-1",
            "Type": "SERVICE_CONTROL_POLICY",
            "TargetIds": ["ou-a1b2-abcdefgh"],
            "Content": {"Version": "2012-10-17", "Statement": [Match.object_like({"Sid": "A"})]},
        },
    )


def test_guardrail_policies_reserve_full_aws_access_by_default(bare_stack):
    with pytest.raises(ScpBudgetError, match=r"FullAWSAccess \(1\)"):
        GuardrailPolicies(
            bare_stack(),
            "Ou",
            target_id="ou-a1b2-abcdefgh",
            target_name="ou-prod",
            statements=[statement("A", 400), statement("B", 400)],
            quota=ScpQuota(max_policy_characters=600, max_policies_per_target=2),
        )


def test_quarantine_is_detached_by_default_and_attached_on_request(bare_stack):
    stack = bare_stack()
    detached = QuarantinePolicy(stack, "Off", deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS)
    attached = QuarantinePolicy(
        stack, "On", deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS, target_ids=["123456789012"], name="q"
    )
    assert detached.policy.target_ids is None
    assert attached.policy.target_ids == ["123456789012"]
    assert detached.statement["Condition"] == {"ArnNotLike": {"aws:PrincipalARN": [DEPLOY, BREAK_GLASS]}}


BOOTSTRAP = {
    "template_body": "{}",
    "organizational_unit_ids": ["ou-a1b2-abcdefgh"],
    "regions": ["eu-central-1"],
    "trusted_account_ids": ["123456789012"],
    "execution_policies": ["arn:aws:iam::aws:policy/AdministratorAccess"],
}


def test_account_bootstrap_defaults(bare_stack):
    stack = bare_stack()
    AccountBootstrap(stack, "Bootstrap", **BOOTSTRAP)
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "ManagedExecution": {"Active": True},
            "Parameters": Match.array_with([{"ParameterKey": "Qualifier", "ParameterValue": "hnb659fds"}]),
        },
    )


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("organizational_unit_ids", [], "organizational_unit_ids is empty"),
        ("regions", [], "regions is empty"),
        ("trusted_account_ids", ["12345"], r"trusted_account_ids \['12345'\] must be 12-digit"),
        ("qualifier", "far-too-long-qualifier", "qualifier 'far-too-long-qualifier'"),
    ],
)
def test_account_bootstrap_refuses_impossible_props(bare_stack, prop, value, message):
    with pytest.raises(ValueError, match=message):
        AccountBootstrap(bare_stack(), "Bootstrap", **{**BOOTSTRAP, prop: value})


def test_policy_descriptions_stay_within_the_organizations_limit(bare_stack):
    stack = bare_stack()
    built = GuardrailPolicies(
        stack,
        "Ou",
        target_id="ou-a1b2-abcdefgh",
        target_name="ou-prod",
        statements=[statement(f"AirlockStatementNumber{i:03d}") for i in range(40)],
    )
    (policy,) = built.policies
    assert policy.description is not None and len(policy.description) <= 512
    assert policy.description.endswith("40 statements, see the policy content")


def test_break_glass_role_is_one_administrator_role_per_account_trusting_one_account(bare_stack):
    import json

    from airlock.constructs.bootstrap import BreakGlassRole

    stack = bare_stack(account="100000000001")
    BreakGlassRole(
        stack,
        "BreakGlass",
        role_name="airlock-break-glass",
        trusted_account_id="100000000009",
        organizational_unit_ids=["ou-abcd-12345678"],
        region="eu-central-1",
    )
    (stack_set,) = Template.from_stack(stack).find_resources("AWS::CloudFormation::StackSet").values()
    props = stack_set["Properties"]
    assert props["PermissionModel"] == "SERVICE_MANAGED" and props["AutoDeployment"]["Enabled"] is True
    # IAM roles are global: one region, or the second instance would collide with the first.
    assert props["StackInstancesGroup"] == [
        {"DeploymentTargets": {"OrganizationalUnitIds": ["ou-abcd-12345678"]}, "Regions": ["eu-central-1"]}
    ]
    (role,) = json.loads(props["TemplateBody"])["Resources"].values()
    assert role["Properties"]["RoleName"] == "airlock-break-glass"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::100000000009:root"}, "Action": "sts:AssumeRole"}
    ]
    assert role["Properties"]["MaxSessionDuration"] == 3600


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("role_name", "airlock-*", "not a literal IAM role name"),
        ("trusted_account_id", "12", "not a 12-digit account id"),
        ("organizational_unit_ids", [], "organizational_unit_ids is empty"),
    ],
)
def test_break_glass_role_refuses_impossible_props(bare_stack, prop, value, message):
    from airlock.constructs.bootstrap import BreakGlassRole

    props = {
        "role_name": "airlock-break-glass",
        "trusted_account_id": "100000000009",
        "organizational_unit_ids": ["ou-abcd-12345678"],
        "region": "eu-central-1",
        prop: value,
    }
    with pytest.raises(ValueError, match=message):
        BreakGlassRole(bare_stack(), "BreakGlass", **props)
