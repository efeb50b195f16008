"""Exemptions of the guardrails: the region lock's global services, and Control Tower's role."""

from __future__ import annotations

import re

import pytest

from airlock.constructs.guardrails import (
    CONTROL_TOWER_EXECUTION_ROLE,
    GLOBAL_SERVICE_ACTIONS,
    GUARDRAILS,
    QUARANTINE,
    GuardrailContext,
)
from airlock.spec import validate
from tests.conftest import ROOT
from tests.specs import spec_data

DEPLOY = "arn:aws:iam::*:role/cdk-hnb659fds-*"
BREAK_GLASS = "arn:aws:iam::*:role/airlock-break-glass"

#: The NotAction list of AWS's published region-deny SCP: "Deny access to AWS based on the
#: requested AWS Region" in the AWS Organizations User Guide
#: (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html),
#: as aws-samples/service-control-policy-examples publishes it in
#: Region-controls/Deny-access-to-AWS-based-on-the-requested-AWS-region.json (commit 35a50b09, 2026-04-09).
AWS_REGION_DENY_EXEMPTIONS = (
    "a4b:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "chime:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "directconnect:*",
    "ec2:DescribeRegions",
    "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways",
    "fms:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "importexport:*",
    "kms:*",
    "mobileanalytics:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53:*",
    "route53domains:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "s3:PutAccountPublic*",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "waf-regional:*",
    "waf:*",
    "wafv2:*",
    "wellarchitected:*",
)

_ROW = re.compile(r"^\| `([^`]+)` \| (yes|no) \| (kept|dropped|added|narrowed to `[^`]+`) \| (.{20,}) \|$")


def _decisions() -> dict[str, tuple[bool, str]]:
    """docs/guardrails.md's table of region-lock exemptions: exemption -> (in AWS's example, decision)."""
    text = (ROOT / "docs" / "guardrails.md").read_text()
    rows = {}
    for line in text.splitlines():
        match = _ROW.match(line)
        if match:
            rows[match.group(1)] = (match.group(2) == "yes", match.group(3))
    return rows


def test_every_exemption_of_awss_example_is_kept_or_dropped_with_a_reason():
    decisions = _decisions()
    for exemption in AWS_REGION_DENY_EXEMPTIONS:
        assert exemption in decisions, f"docs/guardrails.md says nothing about {exemption}"
        assert decisions[exemption][0], exemption
    ours_only = [name for name, (in_example, _) in decisions.items() if not in_example]
    assert set(ours_only).isdisjoint(AWS_REGION_DENY_EXEMPTIONS)


def test_the_region_lock_exempts_exactly_what_the_docs_keep():
    decisions = _decisions()
    expected = set()
    for exemption, (_, decision) in decisions.items():
        if decision in ("kept", "added"):
            expected.add(exemption)
        elif decision.startswith("narrowed to"):
            expected.add(decision.split("`")[1])
    assert set(GLOBAL_SERVICE_ACTIONS) == expected
    assert len(GLOBAL_SERVICE_ACTIONS) == len(set(GLOBAL_SERVICE_ACTIONS))
    (statement,) = GUARDRAILS["restrict-regions"].statements(
        GuardrailContext(deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS, allowed_regions=("eu-west-1",))
    )
    assert statement["NotAction"] == list(GLOBAL_SERVICE_ACTIONS)


def test_global_services_of_awss_example_are_let_through():
    """A few the comparison closed: services with only a global endpoint that the old list missed."""
    for action in ("aws-marketplace-management:*", "route53-recovery-control-config:*", "config:*"):
        assert action in GLOBAL_SERVICE_ACTIONS
    for retired_or_regional in ("a4b:*", "waf:*", "waf-regional:*", "wellarchitected:*", "directconnect:*"):
        assert retired_or_regional not in GLOBAL_SERVICE_ACTIONS


# --- organisations governed by AWS Control Tower ------------------------------------------------

#: Where Control Tower operates with AWSControlTowerExecution: in every governed region (its
#: own Region deny control exempts the role) and on Config and CloudTrail (its baseline).
CONTROL_TOWER_GUARDRAILS = {"restrict-regions", "protect-security-services"}


def _context(**props) -> GuardrailContext:
    return GuardrailContext(
        deployment_role_pattern=DEPLOY, break_glass_role=BREAK_GLASS, allowed_regions=("eu-central-1",), **props
    )


def _exempt(statement) -> list[str]:
    value = statement["Condition"]["ArnNotLike"]["aws:PrincipalARN"]
    return [value] if isinstance(value, str) else value


def test_control_tower_is_exempt_nowhere_by_default():
    context = _context()
    assert CONTROL_TOWER_EXECUTION_ROLE not in context.exempt_roles
    for guardrail in [*GUARDRAILS.values(), QUARANTINE]:
        for statement in guardrail.statements(context):
            assert CONTROL_TOWER_EXECUTION_ROLE not in _exempt(statement), statement["Sid"]


@pytest.mark.parametrize("name", sorted(GUARDRAILS))
def test_control_tower_is_exempt_only_where_it_must_operate(name):
    for statement in GUARDRAILS[name].statements(_context(control_tower=True)):
        if name in CONTROL_TOWER_GUARDRAILS:
            assert _exempt(statement) == [DEPLOY, BREAK_GLASS, CONTROL_TOWER_EXECUTION_ROLE], statement["Sid"]
        else:
            assert CONTROL_TOWER_EXECUTION_ROLE not in _exempt(statement), statement["Sid"]


def test_the_kill_switch_does_not_exempt_control_tower():
    (statement,) = QUARANTINE.statements(_context(control_tower=True))
    assert _exempt(statement) == [DEPLOY, BREAK_GLASS]


def test_every_exempt_role_is_listed_for_the_guardrails_that_protect_those_names():
    assert _context().exempt_roles == (DEPLOY, BREAK_GLASS)
    assert _context(control_tower=True).exempt_roles == (DEPLOY, BREAK_GLASS, CONTROL_TOWER_EXECUTION_ROLE)


def test_the_spec_option_reaches_the_organizations_scps():
    from airlock.stacks.guardrail_plan import plan_scps

    off = validate(spec_data())
    on = validate(spec_data(**{"organization.guardrails": {"control_tower": True}}))
    assert off.organization.guardrails.control_tower is False

    def exempting(spec) -> set[str]:
        plan = plan_scps(spec.organization, spec.integrations)
        sids = set()
        for target in plan.targets:
            for policy in target.policies:
                for statement in policy.document["Statement"]:
                    if CONTROL_TOWER_EXECUTION_ROLE in _exempt(statement):
                        sids.add(statement["Sid"])
        return sids

    assert exempting(off) == set()
    assert exempting(on) == {"AirlockRestrictRegions", "AirlockProtectSecurityServices"}
