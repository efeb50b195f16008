"""Spec of the organization layer: bad input exits 2 with the field, the value and the fix."""

from __future__ import annotations

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from tests.specs import dump, spec_data


def nested_ous(depth: int) -> list[dict]:
    """``depth`` levels of sub-OUs below the dedicated OU: level-2, level-3, ..."""
    tree: list[dict] = []
    for level in range(depth + 1, 1, -1):
        tree = [{"name": f"level-{level}", "ous": tree}]
    return tree


BAD = {
    "ou-depth-over-5": (
        {"organization.ous": nested_ous(5)},
        "organization.ous[0].ous[0].ous[0].ous[0].ous[0]",
        "OU 'level-6' (saas-integrations / level-2 / level-3 / level-4 / level-5 / level-6) would be at level 6",
    ),
    "ou-depth-below-an-ou": (
        {"organization.ous": nested_ous(4), "organization.parent_id": "ou-a1b2-abcdefgh"},
        "organization.ous[0].ous[0].ous[0].ous[0]",
        "would be at level 6 below OU ou-a1b2-abcdefgh",
    ),
    "duplicate-sibling-ou-names": (
        {"organization.ous": [{"name": "prod"}, {"name": "prod"}]},
        "organization.ous[1].name",
        "OU name 'prod' is already used (at organization.ous[0])",
    ),
    "ou-named-like-the-dedicated-ou": (
        {"organization.ous": [{"name": "internal", "ous": [{"name": "saas-integrations"}]}]},
        "organization.ous[0].ous[0].name",
        "OU name 'saas-integrations' is already used (at organization.ou_name)",
    ),
    "unknown-guardrail": (
        {"organization.guardrails": {"ou": ["deny-leave-organization", "deny-everything"]}},
        "organization.guardrails.ou[1]",
        "'deny-everything' is not allowed; use one of 'deny-leave-organization'",
    ),
    "unknown-account-guardrail": (
        {"integrations.0.guardrails": {"account": ["deny-igw"]}},
        "integrations[0].guardrails.account[0]",
        "'deny-igw' is not allowed",
    ),
    "account-email-not-an-email": (
        {"integrations.1.account": {"create": {"name": "airlock-payroll", "email": "payroll-at-example.com"}}},
        "integrations[1].account.create.email",
        "'payroll-at-example.com' is not an email address",
    ),
    "adopt-the-management-account": (
        {"integrations.0.account": {"adopt": "100000000001"}},
        "integrations[0].account.adopt",
        "'100000000001' is the management account",
    ),
    "deployment-role-star": (
        {"organization.deployment_role_pattern": "*"},
        "organization.deployment_role_pattern",
        "'*' is not an IAM role ARN pattern",
    ),
    "deployment-role-every-role": (
        {"organization.deployment_role_pattern": "arn:aws:iam::*:role/*"},
        "organization.deployment_role_pattern",
        "'arn:aws:iam::*:role/*' matches every role",
    ),
    "break-glass-every-role": (
        {"organization.break_glass_role": "arn:aws:iam::123456789012:role/*"},
        "organization.break_glass_role",
        "matches every role",
    ),
    "unknown-ou-of-integration": (
        {"integrations.0.ou": "prod"},
        "integrations[0].ou",
        "'prod' is not an OU of the spec; use one of ['saas-integrations']",
    ),
    "external-scp-unknown-target": (
        {"organization.guardrails": {"external_scps": [{"name": "x", "ous": ["nope"], "integrations": ["hr"]}]}},
        "organization.guardrails.external_scps[0].ous[0]",
        "'nope' is not an OU of the spec",
    ),
    "filtered-egress-under-igw-ou": (
        {
            "organization.guardrails": {"ou": ["deny-internet-gateway"]},
            "integrations.0.network.egress": {"allowed_domains": ["api.nimbus-crm.example"]},
        },
        "integrations[0].network.egress",
        "attaches deny-internet-gateway, which no account below can be exempted from",
    ),
    "filtered-egress-is-not-a-setting": (
        {"integrations.0.guardrails": {"filtered_egress": True}},
        "integrations[0].guardrails",
        "the deployment role may create the internet gateway exactly when the integration declares network.egress",
    ),
    "break-glass-wildcard-name": (
        {"organization.break_glass_role": "arn:aws:iam::*:role/airlock-break-glass-*"},
        "organization.break_glass_role",
        "the organization stack creates the break-glass role in every account; name it literally",
    ),
    "quota-too-large": (
        {"organization.guardrails": {"quotas": {"max_policies_per_target": 0}}},
        "organization.guardrails.quotas.max_policies_per_target",
        "0",
    ),
    "duplicate-guardrail": (
        {"organization.guardrails": {"ou": ["deny-root-user", "deny-root-user"]}},
        "organization.guardrails.ou",
        "guardrails ['deny-root-user'] listed twice",
    ),
    "bad-qualifier": (
        {"organization.bootstrap": {"qualifier": "this-is-too-long"}},
        "organization.bootstrap.qualifier",
        "'this-is-too-long' is not a CDK qualifier",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_organization_input_exits_2_with_field_value_and_fix(tmp_path, capsys, case):
    changes, path, message = BAD[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**changes)))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f": {path}: " in err, err
    assert message in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_ou_depth_of_exactly_5_is_accepted():
    spec = validate(spec_data(**{"organization.ous": nested_ous(4)}))
    assert spec.organization.ous[0].ous[0].ous[0].ous[0].name == "level-5"


def test_quota_overflow_at_synth_exits_2_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**{"organization.guardrails": {"quotas": {"max_policy_characters": 1500}}})))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "organization.guardrails.ou: target ou-saas-integrations: the guardrails need" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_defaults_select_the_documented_guardrails():
    spec = validate(spec_data())
    assert "deny-internet-gateway" not in spec.organization.guardrails.ou
    assert spec.integrations[0].guardrails.account == ["deny-internet-gateway"]
    assert spec.organization.guardrails.quotas.max_policy_characters == 5120
    assert spec.organization.guardrails.quotas.max_policies_per_target == 5
    assert spec.organization.bootstrap.enabled is True


def test_every_problem_is_reported_at_once():
    data = spec_data(
        **{
            "organization.deployment_role_pattern": "arn:aws:iam::*:role/*",
            "organization.ous": [{"name": "a"}, {"name": "a"}],
            "integrations.0.ou": "b",
        }
    )
    with pytest.raises(SpecError) as caught:
        validate(data)
    paths = {issue.path for issue in caught.value.issues}
    assert {"organization.deployment_role_pattern", "organization.ous[1].name", "integrations[0].ou"} <= paths


def test_a_break_glass_pattern_is_accepted_when_another_stackset_creates_the_role():
    from airlock.spec import validate
    from tests.specs import spec_data

    spec = validate(
        spec_data(
            **{
                "organization.break_glass_role": "arn:aws:iam::*:role/airlock-break-glass-*",
                "organization.bootstrap": {"break_glass": {"create": False}},
            }
        )
    )
    assert spec.organization.bootstrap.break_glass.create is False
