"""The guardrail catalogue: each guardrail on the right target, with its effect, actions and exemptions."""

from __future__ import annotations

import typing

import pytest

from airlock.constructs.guardrails import (
    DEFAULT_ACCOUNT_GUARDRAILS,
    DEFAULT_OU_GUARDRAILS,
    GUARDRAILS,
    QUARANTINE,
    GuardrailContext,
    guardrail_statements,
)
from airlock.spec import organization as spec_org
from tests.iam_catalogue import template_actions, unknown_actions

DEPLOY = "arn:aws:iam::*:role/cdk-hnb659fds-*"
BREAK_GLASS = "arn:aws:iam::*:role/airlock-break-glass"
CONTEXT = GuardrailContext(
    deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS, allowed_regions=("eu-central-1", "eu-west-1")
)

#: guardrail -> (statement id, actions the statement must deny, exempt roles)
EXPECTED: dict[str, list[tuple[str, set[str], list[str]]]] = {
    "deny-leave-organization": [
        ("AirlockDenyLeaveOrganization", {"organizations:LeaveOrganization"}, [DEPLOY, BREAK_GLASS])
    ],
    "deny-root-user": [("AirlockDenyRootUser", {"*"}, [DEPLOY, BREAK_GLASS])],
    "deny-iam-users": [
        (
            "AirlockDenyIamUsers",
            {"iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile"},
            [DEPLOY, BREAK_GLASS],
        )
    ],
    "deny-internet-gateway": [
        ("AirlockDenyInternetGateway", {"ec2:CreateInternetGateway", "ec2:AttachInternetGateway"}, [BREAK_GLASS])
    ],
    "deny-network-paths": [
        (
            "AirlockDenyNetworkPaths",
            {
                "ec2:CreateEgressOnlyInternetGateway",
                "ec2:CreateVpcPeeringConnection",
                "ec2:AcceptVpcPeeringConnection",
                "ec2:CreateTransitGatewayVpcAttachment",
                "ec2:CreateVpnGateway",
                "ec2:CreateVpnConnection",
                "directconnect:CreateDirectConnectGatewayAssociation",
                "globalaccelerator:CreateAccelerator",
            },
            [BREAK_GLASS],
        )
    ],
    "protect-security-services": [
        (
            "AirlockProtectSecurityServices",
            {
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "config:StopConfigurationRecorder",
                "guardduty:DeleteDetector",
                "securityhub:DisableSecurityHub",
                "access-analyzer:DeleteAnalyzer",
            },
            [DEPLOY, BREAK_GLASS],
        )
    ],
    "protect-logs": [
        ("AirlockProtectFlowLogs", {"ec2:DeleteFlowLogs"}, [DEPLOY, BREAK_GLASS]),
        ("AirlockProtectLogGroups", {"logs:DeleteLogGroup", "logs:PutRetentionPolicy"}, [DEPLOY, BREAK_GLASS]),
    ],
    "restrict-regions": [("AirlockRestrictRegions", set(), [DEPLOY, BREAK_GLASS])],
    "deny-external-sharing": [
        ("AirlockDenyExternalRamShares", {"ram:CreateResourceShare", "ram:UpdateResourceShare"}, [DEPLOY, BREAK_GLASS]),
        ("AirlockDenyRamInvitations", {"ram:AcceptResourceShareInvitation"}, [DEPLOY, BREAK_GLASS]),
    ],
    "protect-s3-public-access-block": [
        ("AirlockProtectS3PublicAccessBlock", {"s3:PutAccountPublicAccessBlock"}, [DEPLOY, BREAK_GLASS])
    ],
    "protect-airlock-resources": [
        # The break-glass role is named airlock-* too; its StackSet keeps it current.
        (
            "AirlockProtectRoles",
            {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"},
            [DEPLOY, BREAK_GLASS, "arn:aws:iam::*:role/stacksets-exec-*"],
        ),
        ("AirlockProtectQueues", {"sqs:SetQueueAttributes", "sqs:DeleteQueue"}, [DEPLOY, BREAK_GLASS]),
        (
            "AirlockProtectTaggedResources",
            {"kms:ScheduleKeyDeletion", "ec2:DeleteVpcEndpoints", "network-firewall:DeleteFirewall"},
            [DEPLOY, BREAK_GLASS],
        ),
        ("AirlockProtectAirlockTags", {"ec2:DeleteTags", "kms:UntagResource"}, [DEPLOY, BREAK_GLASS]),
    ],
}


def _listed(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_every_guardrail_has_an_expectation():
    assert sorted(EXPECTED) == sorted(GUARDRAILS)


def test_spec_guardrail_names_match_the_catalogue():
    assert list(typing.get_args(spec_org.GuardrailName)) == list(GUARDRAILS)
    assert spec_org.DEFAULT_OU_GUARDRAILS == DEFAULT_OU_GUARDRAILS
    assert spec_org.DEFAULT_ACCOUNT_GUARDRAILS == DEFAULT_ACCOUNT_GUARDRAILS


@pytest.mark.parametrize("name", sorted(GUARDRAILS))
def test_guardrail_denies_its_actions_and_exempts_only_the_configured_roles(name):
    statements = GUARDRAILS[name].statements(CONTEXT)
    assert [s["Sid"] for s in statements] == [sid for sid, _, _ in EXPECTED[name]]
    for statement, (_, actions, exempt) in zip(statements, EXPECTED[name], strict=True):
        assert statement["Effect"] == "Deny"
        assert "Principal" not in statement and "NotPrincipal" not in statement
        assert actions <= set(_listed(statement.get("Action", [])))
        assert _listed(statement["Condition"]["ArnNotLike"]["aws:PrincipalARN"]) == exempt
        # The exemption is the only condition on the principal (no other way around a deny).
        for operator, keys in statement["Condition"].items():
            if operator != "ArnNotLike" and not (name == "deny-root-user" and operator == "ArnLike"):
                assert not any(key.lower().startswith("aws:principal") for key in keys), (operator, keys)


@pytest.mark.parametrize("name", sorted(GUARDRAILS))
def test_guardrail_is_documented(name):
    guardrail = GUARDRAILS[name]
    assert guardrail.denies and len(guardrail.why) > 30 and guardrail.exempt


def test_every_guardrail_is_documented_in_the_docs():
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "guardrails.md").read_text()
    for name in [*GUARDRAILS, QUARANTINE.name]:
        assert f"| `{name}` |" in text, name


def test_filtered_egress_exempts_the_deployment_role_from_the_internet_gateway_part_only():
    filtered = GuardrailContext(deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS, filtered_egress=True)
    (igw,) = GUARDRAILS["deny-internet-gateway"].statements(filtered)
    assert igw["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == [DEPLOY, BREAK_GLASS]
    (paths,) = GUARDRAILS["deny-network-paths"].statements(filtered)
    assert paths["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == BREAK_GLASS


def test_region_restriction_lets_only_global_services_through_outside_allowed_regions():
    (statement,) = GUARDRAILS["restrict-regions"].statements(CONTEXT)
    assert "Action" not in statement
    assert {"iam:*", "sts:*", "organizations:*", "route53:*", "cloudfront:*"} <= set(statement["NotAction"])
    assert not any(a.startswith(("ec2:", "sqs:", "s3:Put", "logs:")) for a in statement["NotAction"])
    assert statement["Condition"]["StringNotEquals"] == {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]}


def test_region_restriction_needs_regions():
    context = GuardrailContext(deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS)
    with pytest.raises(ValueError, match="allowed_regions is empty"):
        GUARDRAILS["restrict-regions"].statements(context)


def test_root_user_deny_applies_to_root_only():
    (statement,) = GUARDRAILS["deny-root-user"].statements(CONTEXT)
    assert statement["Condition"]["ArnLike"] == {"aws:PrincipalARN": "arn:aws:iam::*:root"}


def test_airlock_resources_are_found_by_name_prefix_and_tag():
    by_sid = {s["Sid"]: s for s in GUARDRAILS["protect-airlock-resources"].statements(CONTEXT)}
    assert by_sid["AirlockProtectRoles"]["Resource"] == "arn:aws:iam::*:role/airlock-*"
    assert by_sid["AirlockProtectQueues"]["Resource"] == "arn:aws:sqs:*:*:airlock-*"
    assert by_sid["AirlockProtectTaggedResources"]["Condition"]["Null"] == {
        "aws:ResourceTag/airlock:integration": "false"
    }
    (logs,) = [s for s in GUARDRAILS["protect-logs"].statements(CONTEXT) if s["Sid"] == "AirlockProtectLogGroups"]
    assert logs["Resource"] == "arn:aws:logs:*:*:log-group:airlock-*"


def test_quarantine_denies_everything_but_the_two_roles():
    (statement,) = QUARANTINE.statements(CONTEXT)
    assert statement["Effect"] == "Deny" and statement["Action"] == "*" and statement["Resource"] == "*"
    assert statement["Condition"] == {"ArnNotLike": {"aws:PrincipalARN": [DEPLOY, BREAK_GLASS]}}


def test_every_action_of_every_guardrail_exists_in_the_iam_catalogue():
    filtered = GuardrailContext(
        deployment_role_pattern=DEPLOY,
        break_glass_role=BREAK_GLASS,
        allowed_regions=("eu-central-1",),
        filtered_egress=True,
    )
    statements = guardrail_statements(list(GUARDRAILS), CONTEXT) + guardrail_statements(list(GUARDRAILS), filtered)
    statements += QUARANTINE.statements(CONTEXT)
    template = {
        "Resources": {"P": {"Type": "AWS::Organizations::Policy", "Properties": {"Content": {"Statement": statements}}}}
    }
    actions = template_actions(template)
    assert len(actions) > 60
    assert unknown_actions(actions) == []


def test_the_catalogue_check_catches_a_misspelled_action():
    assert unknown_actions(["ec2:CreateInternetGateways", "organizations:LeaveOrganisation"]) == [
        "ec2:CreateInternetGateways",
        "organizations:LeaveOrganisation",
    ]


def test_unknown_guardrail_names_are_refused():
    with pytest.raises(ValueError, match=r"unknown guardrails \['deny-everything'\]"):
        guardrail_statements(["deny-everything"], CONTEXT)


@pytest.mark.parametrize(
    ("prop", "value"), [("deployment_role_pattern", "*"), ("break_glass_role", "arn:aws:iam::*:user/x")]
)
def test_context_refuses_what_is_not_a_role_pattern(prop, value):
    kwargs = {"deployment_role_pattern": DEPLOY, "break_glass_role": BREAK_GLASS, prop: value}
    with pytest.raises(ValueError, match=f"{prop} '"):
        GuardrailContext(**kwargs)


def test_any_guardrail_brings_the_protection_of_the_roles_it_exempts_and_none_brings_nothing():
    context = GuardrailContext(deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS)
    sids = [s["Sid"] for s in guardrail_statements(["deny-leave-organization"], context)]
    assert sids == ["AirlockDenyLeaveOrganization", "AirlockProtectExemptRoles", "AirlockProtectExemptRolePassing"]
    assert guardrail_statements([], context) == []
