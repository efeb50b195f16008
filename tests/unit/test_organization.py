"""The organization stack: OU tree, accounts, guardrail SCPs on their targets, kill switch, bootstrap."""

from __future__ import annotations

import json
import subprocess

import aws_cdk as cdk
import pytest
import yaml
from aws_cdk.assertions import Match, Template

from airlock.constructs.bootstrap import MAX_TEMPLATE_BODY_BYTES
from airlock.constructs.guardrails import DEFAULT_OU_GUARDRAILS, GUARDRAILS, GuardrailContext
from airlock.spec import SpecError, validate
from airlock.stacks import OrganizationStack
from airlock.stacks.bootstrap_template import PACKAGE_ENV, TEMPLATE_IN_PACKAGE
from tests.conftest import ROOT
from tests.iam_catalogue import template_actions, unknown_actions
from tests.specs import spec_data

DEPLOY = "arn:aws:iam::*:role/cdk-hnb659fds-*"
BREAK_GLASS = "arn:aws:iam::*:role/airlock-break-glass"
STACKSET_EXEC = "arn:aws:iam::*:role/stacksets-exec-*"
SCP = "AWS::Organizations::Policy"


def rich_spec(**changes):
    """Sub-OUs, a suspended integration, filtered egress and an external SCP."""
    data = spec_data(**changes)
    data["organization"].setdefault(
        "ous",
        [
            {
                "name": "restricted",
                "tags": {"data-classification": "restricted"},
                "guardrails": ["deny-internet-gateway"],
                "ous": [{"name": "payroll-prod"}],
            },
            {"name": "internal"},
        ],
    )
    data["organization"].setdefault(
        "guardrails", {"external_scps": [{"name": "finance-baseline", "ous": ["restricted"]}]}
    )
    data["integrations"][1].setdefault("ou", "payroll-prod")
    data["integrations"][0].setdefault("ou", "internal")
    data["integrations"][0]["network"].setdefault("egress", {"allowed_domains": ["api.nimbus-crm.example"]})
    return validate(data)


def organization_template(spec, **kwargs) -> dict:
    stack = OrganizationStack(
        cdk.App(), "Org", organization=spec.organization, integrations=spec.integrations, **kwargs
    )
    return Template.from_stack(stack).to_json()


def policies(template: dict) -> list[dict]:
    """The SCPs of a template (the RCPs are tested in test_perimeter.py)."""
    return [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == SCP and r["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
    ]


def ou_logical_id(template: dict, name: str) -> str:
    return next(
        k
        for k, r in template["Resources"].items()
        if r["Type"] == "AWS::Organizations::OrganizationalUnit" and r["Properties"]["Name"] == name
    )


def sids_on(template: dict, target) -> set[str]:
    return {s["Sid"] for p in policies(template) if target in p.get("TargetIds", []) for s in p["Content"]["Statement"]}


@pytest.fixture(scope="module")
def rich() -> dict:
    return organization_template(rich_spec(**{"integrations.0.state": "suspended"}))


@pytest.fixture(scope="module")
def example_org(example_assembly) -> dict:
    return example_assembly.organization_layer()


# --- OU tree and accounts -------------------------------------------------------------


def test_sub_ous_hang_below_their_parents_with_their_tags(rich):
    top = ou_logical_id(rich, "saas-integrations")
    restricted = ou_logical_id(rich, "restricted")
    nested = rich["Resources"][ou_logical_id(rich, "payroll-prod")]["Properties"]
    assert rich["Resources"][restricted]["Properties"]["ParentId"] == {"Fn::GetAtt": [top, "Id"]}
    assert nested["ParentId"] == {"Fn::GetAtt": [restricted, "Id"]}
    tags = {t["Key"]: t["Value"] for t in rich["Resources"][restricted]["Properties"]["Tags"]}
    assert tags["data-classification"] == "restricted"
    assert tags["airlock:component"] == "organization"


def test_created_account_is_placed_in_its_sub_ou(rich):
    (account,) = [r for r in rich["Resources"].values() if r["Type"] == "AWS::Organizations::Account"]
    assert account["Properties"]["ParentIds"] == [{"Fn::GetAtt": [ou_logical_id(rich, "payroll-prod"), "Id"]}]
    assert account["DeletionPolicy"] == "Retain"


# --- guardrails on the right targets ------------------------------------------------------


@pytest.mark.parametrize("name", DEFAULT_OU_GUARDRAILS)
def test_default_ou_guardrails_are_attached_to_the_dedicated_ou(example_org, name):
    context = GuardrailContext(DEPLOY, BREAK_GLASS, allowed_regions=("eu-central-1", "eu-west-1"))
    expected = GUARDRAILS[name].statements(context)
    ou = {"Fn::GetAtt": ["IntegrationsOu", "Id"]}
    attached = [s for p in policies(example_org) if p.get("TargetIds") == [ou] for s in p["Content"]["Statement"]]
    for statement in expected:
        assert statement in attached


def test_internet_gateway_deny_is_on_each_account_not_on_the_ou(example_org):
    ou = {"Fn::GetAtt": ["IntegrationsOu", "Id"]}
    assert "AirlockDenyInternetGateway" not in sids_on(example_org, ou)
    assert "AirlockDenyInternetGateway" in sids_on(example_org, "210000000001")
    assert "AirlockDenyInternetGateway" in sids_on(example_org, "230000000003")
    created = {
        "Fn::GetAtt": [next(k for k in example_org["Resources"] if k.startswith("Accountspayroll")), "AccountId"]
    }
    assert "AirlockDenyInternetGateway" in sids_on(example_org, created)


def test_filtered_egress_account_exempts_its_deployment_role_from_the_igw_deny_only(rich):
    (filtered,) = [p for p in policies(rich) if p["Name"] == "airlock-integration-crm-1"]
    assert filtered["TargetIds"] == ["210000000001"]
    (statement,) = [s for s in filtered["Content"]["Statement"] if s["Sid"] == "AirlockDenyInternetGateway"]
    assert statement["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == [DEPLOY, BREAK_GLASS]
    restricted = {"Fn::GetAtt": [ou_logical_id(rich, "restricted"), "Id"]}
    (on_ou,) = [p for p in policies(rich) if p.get("TargetIds") == [restricted]]
    (igw,) = [s for s in on_ou["Content"]["Statement"] if s["Sid"] == "AirlockDenyInternetGateway"]
    assert igw["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == BREAK_GLASS


def test_every_scp_statement_denies_and_exempts_only_the_configured_roles(rich, example_org):
    for template in (rich, example_org):
        for policy in policies(template):
            assert policy["Type"] == "SERVICE_CONTROL_POLICY"
            for statement in policy["Content"]["Statement"]:
                assert statement["Effect"] == "Deny"
                exempt = statement["Condition"]["ArnNotLike"]["aws:PrincipalARN"]
                exempt = [exempt] if isinstance(exempt, str) else exempt
                allowed = {DEPLOY, BREAK_GLASS}
                if statement["Sid"] == "AirlockProtectExemptRoles":
                    # Only the StackSet execution role (bootstrap) and break-glass make exempt roles.
                    allowed = {STACKSET_EXEC, BREAK_GLASS}
                if statement["Sid"] == "AirlockProtectRoles":
                    # The break-glass role (airlock-*) is kept current by its StackSet.
                    allowed = {DEPLOY, BREAK_GLASS, STACKSET_EXEC}
                assert BREAK_GLASS in exempt and set(exempt) <= allowed


def test_every_action_of_every_generated_scp_exists_in_the_iam_catalogue(rich, example_org):
    for template in (rich, example_org):
        actions = template_actions(template)
        assert "organizations:LeaveOrganization" in actions
        assert unknown_actions(actions) == []


def test_every_generated_scp_is_within_the_size_quota(rich, example_org):
    for template in (rich, example_org):
        for policy in policies(template):
            assert len(json.dumps(policy["Content"], separators=(",", ":"))) <= 5120


def test_no_target_exceeds_the_attachment_quota(example_org):
    targets: dict[str, int] = {}
    for policy in policies(example_org):
        for target in policy.get("TargetIds", []):
            targets[json.dumps(target)] = targets.get(json.dumps(target), 0) + 1
    # FullAWSAccess is attached to every target as well; each account keeps a slot for the quarantine.
    assert all(count + 1 <= 5 for count in targets.values())


def test_quota_overflow_is_a_spec_error_naming_the_target():
    spec = rich_spec(**{"organization.guardrails": {"quotas": {"max_policy_characters": 1500}}})
    with pytest.raises(SpecError) as caught:
        organization_template(spec)
    (issue,) = caught.value.issues
    assert issue.loc == ("organization", "guardrails", "ou")
    assert issue.message.startswith("target ou-saas-integrations: the guardrails need ")
    assert "drop at least protect-logs: AirlockProtectFlowLogs (223 characters)" in issue.message


def test_external_scps_count_on_accounts_with_the_quarantine_slot():
    spec = rich_spec(
        **{"organization.guardrails": {"external_scps": [{"name": n, "integrations": ["crm"]} for n in "abc"]}}
    )
    with pytest.raises(SpecError) as caught:
        organization_template(spec)
    (issue,) = caught.value.issues
    assert issue.loc == ("integrations", 0, "guardrails", "account")
    assert "external SCPs (a, b, c) (3)" in issue.message
    assert "airlock-quarantine (kept free for the kill switch) (1)" in issue.message
    assert "makes 6 SCPs, above the quota of 5" in issue.message


# --- kill switch ------------------------------------------------------------------------


def quarantine(template: dict) -> dict:
    (policy,) = [p for p in policies(template) if p["Name"] == "airlock-quarantine"]
    return policy


def test_suspended_integration_gets_the_quarantine_scp(rich):
    policy = quarantine(rich)
    assert policy["TargetIds"] == ["210000000001"]
    (statement,) = policy["Content"]["Statement"]
    assert statement == {
        "Sid": "AirlockQuarantine",
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalARN": [DEPLOY, BREAK_GLASS]}},
    }


def test_resuming_removes_the_quarantine_attachment():
    resumed = organization_template(rich_spec(**{"integrations.0.state": "active"}))
    policy = quarantine(resumed)
    assert "TargetIds" not in policy
    assert policy["Content"]["Statement"][0]["Sid"] == "AirlockQuarantine"  # ready to be attached again


def test_suspending_a_created_account_targets_its_new_id():
    template = organization_template(rich_spec(**{"integrations.1.state": "suspended"}))
    account = next(k for k, r in template["Resources"].items() if r["Type"] == "AWS::Organizations::Account")
    assert quarantine(template)["TargetIds"] == [{"Fn::GetAtt": [account, "AccountId"]}]


def test_example_quarantines_nobody(example_org):
    assert "TargetIds" not in quarantine(example_org)


# --- bootstrap --------------------------------------------------------------------------


def stack_set(template: dict, name: str = "airlock-cdk-bootstrap") -> dict:
    (found,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudFormation::StackSet" and r["Properties"]["StackSetName"] == name
    ]
    return found


def test_bootstrap_stack_set_is_service_managed_and_follows_the_dedicated_ou(example_org):
    props = stack_set(example_org)
    assert props["PermissionModel"] == "SERVICE_MANAGED"
    assert props["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    (group,) = props["StackInstancesGroup"]
    assert group["DeploymentTargets"] == {"OrganizationalUnitIds": [{"Fn::GetAtt": ["IntegrationsOu", "Id"]}]}
    assert group["Regions"] == ["eu-central-1", "eu-west-1"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in props["Parameters"]}
    assert parameters["TrustedAccounts"] == "100000000001"
    assert parameters["Qualifier"] == "hnb659fds"
    assert props["Capabilities"] == ["CAPABILITY_NAMED_IAM"]


def test_bootstrap_template_is_the_pinned_cli_template(example_org):
    body = stack_set(example_org)["TemplateBody"]
    shipped = yaml.safe_load((ROOT / "node_modules" / "aws-cdk" / TEMPLATE_IN_PACKAGE).read_text())
    assert json.loads(body) == shipped
    assert len(body.encode()) <= MAX_TEMPLATE_BODY_BYTES
    assert "CdkBootstrapVersion" in json.loads(body)["Resources"]


def test_bootstrap_template_is_not_copied_into_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "bootstrap-template" not in tracked


def test_bootstrap_trust_and_regions_come_from_the_spec():
    spec = rich_spec(**{"organization.bootstrap": {"trusted_account_id": "300000000003", "regions": ["eu-west-1"]}})
    props = stack_set(organization_template(spec, bootstrap_template="{}"))
    assert props["StackInstancesGroup"][0]["Regions"] == ["eu-west-1"]
    assert {"ParameterKey": "TrustedAccounts", "ParameterValue": "300000000003"} in props["Parameters"]


def test_bootstrap_can_be_turned_off():
    template = organization_template(rich_spec(**{"organization.bootstrap": {"enabled": False}}))
    names = [r["Properties"]["StackSetName"] for r in template["Resources"].values() if r["Type"].endswith("StackSet")]
    assert names == ["airlock-break-glass"]  # the break-glass role does not depend on the CDK bootstrap


def test_missing_cdk_cli_is_a_clear_spec_error(tmp_path, monkeypatch):
    from airlock.stacks import bootstrap_template

    monkeypatch.setenv(PACKAGE_ENV, str(tmp_path))
    bootstrap_template._load.cache_clear()
    with pytest.raises(SpecError) as caught:
        organization_template(rich_spec())
    (issue,) = caught.value.issues
    assert issue.loc == ("organization", "bootstrap", "enabled")
    assert "npm ci" in issue.message


def test_oversized_bootstrap_template_is_refused():
    with pytest.raises(ValueError, match="above CloudFormation's TemplateBody limit of 51200"):
        organization_template(rich_spec(), bootstrap_template="x" * (MAX_TEMPLATE_BODY_BYTES + 1))


# --- cfn-lint ---------------------------------------------------------------------------


def test_organization_template_passes_cfn_lint(example_org, rich):
    from cfnlint.api import lint

    for template in (example_org, rich):
        matches = lint(json.dumps(template), regions=["eu-central-1"])
        errors = [m for m in matches if m.rule.id.startswith("E")]
        assert errors == [], [str(m) for m in errors]


def test_tags_reach_the_stack_set_and_policies(example_org):
    Template.from_json(example_org).has_resource_properties(
        SCP, {"Tags": Match.array_with([{"Key": "managed-by", "Value": "saas-airlock"}])}
    )


def test_example_organization_stack_passes_cdk_nag_without_acknowledgements(example_synth):
    result, _ = example_synth
    assert set(result.packs) >= {"AwsSolutions", "NIST.800.53.R5"}
    assert result.passed
    on_organization = [
        f for f in (*result.compliance.findings, *result.compliance.acknowledged) if "airlock-organization" in f.path
    ]
    assert on_organization == []


def test_every_target_with_guardrails_protects_the_roles_its_exemptions_name(rich, example_org):
    """An exemption by role name holds only while nobody else can make or change such a role."""
    for template in (rich, example_org):
        targets: dict[str, list[dict]] = {}
        for policy in policies(template):
            if policy["Name"] != "airlock-quarantine":
                targets.setdefault(json.dumps(policy["TargetIds"]), []).extend(policy["Content"]["Statement"])
        assert targets
        for target, statements in targets.items():
            by_sid = {s["Sid"]: s for s in statements}
            protect, passing = by_sid["AirlockProtectExemptRoles"], by_sid["AirlockProtectExemptRolePassing"]
            assert set(protect["Resource"]) == {DEPLOY, BREAK_GLASS, STACKSET_EXEC}, target
            assert {"iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"} <= set(protect["Action"])
            assert protect["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == [STACKSET_EXEC, BREAK_GLASS]
            assert passing["Action"] == "iam:PassRole"
            assert passing["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == [DEPLOY, BREAK_GLASS]


def test_the_break_glass_role_is_rolled_out_to_the_dedicated_ou_in_the_home_region(example_org):
    stack_sets = {
        r["Properties"]["StackSetName"]: r["Properties"]
        for r in example_org["Resources"].values()
        if r["Type"] == "AWS::CloudFormation::StackSet"
    }
    props = stack_sets["airlock-break-glass"]
    ou = {
        "Fn::GetAtt": [
            next(k for k, r in example_org["Resources"].items() if r["Type"].endswith("OrganizationalUnit")),
            "Id",
        ]
    }
    assert props["StackInstancesGroup"] == [
        {"DeploymentTargets": {"OrganizationalUnitIds": [ou]}, "Regions": ["eu-central-1"]}
    ]
    role = json.loads(props["TemplateBody"])["Resources"]["BreakGlassRole"]["Properties"]
    assert role["RoleName"] == "airlock-break-glass"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::100000000001:root"}


def test_without_break_glass_creation_no_stackset_makes_it():
    spec = validate(spec_data(**{"organization.bootstrap": {"break_glass": {"create": False}}}))
    template = organization_template(spec, bootstrap_template="{}")
    names = [
        r["Properties"]["StackSetName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudFormation::StackSet"
    ]
    assert "airlock-break-glass" not in names
