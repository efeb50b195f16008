"""Resource control policies: their content, targets and quota packing, and their spec fields."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from airlock.constructs.guardrails.perimeter import PERIMETER_ACTIONS, RCP_SERVICE_ACTIONS
from airlock.spec import SpecError, validate
from airlock.stacks import OrganizationStack
from airlock.stacks.perimeter_plan import plan_rcps
from tests.specs import DELETE, spec_data

RCP = "RESOURCE_CONTROL_POLICY"
ORG_ID = "o-a1b2c3d4e5"


def org_template(data) -> dict:
    spec = validate(data)
    stack = OrganizationStack(cdk.App(), "Org", organization=spec.organization, integrations=spec.integrations)
    return Template.from_stack(stack).to_json()


def rcps(template: dict) -> dict[str, dict]:
    return {
        r["Properties"]["Name"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Organizations::Policy" and r["Properties"]["Type"] == RCP
    }


def by_sid(policy: dict) -> dict[str, dict]:
    return {s["Sid"]: s for s in policy["Content"]["Statement"]}


@pytest.fixture(scope="module")
def template() -> dict:
    return org_template(spec_data())


def test_each_intermediate_account_gets_its_own_rcp_on_its_account(template):
    found = rcps(template)
    assert set(found) == {
        "airlock-rcp-integration-crm-1",
        "airlock-rcp-integration-payroll-1",
        "airlock-quarantine-rcp",
    }
    assert found["airlock-rcp-integration-crm-1"]["TargetIds"] == ["210000000001"]  # adopted: literally
    (created,) = found["airlock-rcp-integration-payroll-1"]["TargetIds"]
    assert created == {"Fn::GetAtt": [next(iter(created["Fn::GetAtt"])), "AccountId"]}  # created: by reference
    assert "TargetIds" not in found["airlock-quarantine-rcp"]  # the kill switch waits detached


def test_the_identity_perimeter_admits_only_the_organisation_and_the_vendors_accounts(template):
    crm = by_sid(rcps(template)["airlock-rcp-integration-crm-1"])["AirlockPerimeterIdentities"]
    assert crm["Effect"] == "Deny" and crm["Principal"] == "*" and crm["Resource"] == "*"
    assert set(crm["Action"]) == set(PERIMETER_ACTIONS)
    assert {"s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole"} <= set(crm["Action"])
    assert crm["Condition"] == {
        "StringNotEqualsIfExists": {"aws:PrincipalOrgID": ORG_ID, "aws:PrincipalAccount": "900000000011"},
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    }
    payroll = by_sid(rcps(template)["airlock-rcp-integration-payroll-1"])["AirlockPerimeterIdentities"]
    assert payroll["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalAccount"] == "900000000022"


def test_services_act_only_for_the_organisation_and_tls_is_required(template):
    statements = by_sid(rcps(template)["airlock-rcp-integration-crm-1"])
    services = statements["AirlockPerimeterServices"]
    assert services["Condition"] == {
        "StringNotEqualsIfExists": {"aws:SourceOrgID": ORG_ID, "aws:SourceAccount": "900000000011"},
        "Null": {"aws:SourceAccount": "false"},
        "Bool": {"aws:PrincipalIsAWSService": "true"},
    }
    tls = statements["AirlockPerimeterSecureTransport"]
    assert tls["Effect"] == "Deny" and set(tls["Action"]) == set(RCP_SERVICE_ACTIONS)
    assert tls["Condition"] == {"BoolIfExists": {"aws:SecureTransport": "false"}}


def test_the_quarantine_rcp_denies_everyone_but_the_exempt_roles(template):
    (statement,) = rcps(template)["airlock-quarantine-rcp"]["Content"]["Statement"]
    assert statement["Effect"] == "Deny" and set(statement["Action"]) == set(RCP_SERVICE_ACTIONS)
    assert statement["Condition"]["ArnNotLike"] == {
        "aws:PrincipalARN": ["arn:aws:iam::*:role/cdk-hnb659fds-*", "arn:aws:iam::*:role/airlock-break-glass"]
    }


def test_a_suspended_integration_gets_the_quarantine_rcp_beside_the_quarantine_scp():
    found = rcps(org_template(spec_data(**{"integrations.0.state": "suspended"})))
    assert found["airlock-quarantine-rcp"]["TargetIds"] == ["210000000001"]


def test_declared_exceptions_widen_only_their_own_account():
    data = spec_data()
    data["integrations"][0]["perimeter"] = {
        "trusted_accounts": [{"account_id": "900000000099", "reason": "the vendor's archive account reads the bucket"}],
        "excluded_resources": [
            {"arn": "arn:aws:s3:::nimbus-owned-exchange/*", "reason": "a bucket the vendor owns and shares with us"}
        ],
    }
    found = rcps(org_template(data))
    crm = by_sid(found["airlock-rcp-integration-crm-1"])
    identity = crm["AirlockPerimeterIdentities"]
    assert identity["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalAccount"] == ["900000000011", "900000000099"]
    assert identity["NotResource"] == "arn:aws:s3:::nimbus-owned-exchange/*" and "Resource" not in identity
    assert crm["AirlockPerimeterServices"]["Condition"]["StringNotEqualsIfExists"]["aws:SourceAccount"] == [
        "900000000011",
        "900000000099",
    ]
    payroll = by_sid(found["airlock-rcp-integration-payroll-1"])["AirlockPerimeterIdentities"]
    assert payroll["Condition"]["StringNotEqualsIfExists"]["aws:PrincipalAccount"] == "900000000022"


def test_the_rcps_are_packed_within_a_smaller_size_quota():
    data = spec_data(**{"organization.perimeter": {"quotas": {"max_policy_characters": 900}}})
    spec = validate(data)
    plan = plan_rcps(spec.organization, spec.integrations)
    (crm,) = [t for t in plan.targets if t.integration == "crm"]
    assert len(crm.packed) == 2
    assert all(p.size <= 900 for p in crm.packed)
    assert sorted(sid for p in crm.packed for sid in p.sids) == [
        "AirlockPerimeterIdentities",
        "AirlockPerimeterSecureTransport",
        "AirlockPerimeterServices",
    ]
    names = [p.name for p in crm.policies]
    assert names == ["airlock-rcp-integration-crm-1", "airlock-rcp-integration-crm-2"]


def test_rcps_that_do_not_fit_the_attachment_quota_name_the_account_and_what_to_drop():
    data = spec_data(
        **{"organization.perimeter": {"quotas": {"max_policy_characters": 900, "max_policies_per_target": 3}}}
    )
    spec = validate(data)
    with pytest.raises(SpecError) as error:
        plan_rcps(spec.organization, spec.integrations)
    text = str(error.value)
    assert "integrations[0].perimeter" in text and "integrations[1].perimeter" in text
    assert "target integration-crm" in text and "4 RCPs, above the quota of 3 per target" in text
    assert "RCPFullAWSAccess (1)" in text and "airlock-quarantine-rcp (kept free for the kill switch) (1)" in text


def test_a_single_statement_above_the_size_quota_is_an_error():
    spec = validate(spec_data(**{"organization.perimeter": {"quotas": {"max_policy_characters": 400}}}))
    with pytest.raises(SpecError, match=r"statement AirlockPerimeterIdentities alone makes a policy of \d+ characters"):
        plan_rcps(spec.organization, spec.integrations)


def test_opting_out_removes_every_rcp_and_needs_a_reason():
    reason = "RCPs are not enabled in this organization yet (change CHG-1234)"
    data = spec_data(**{"organization.perimeter": {"resource_control_policies": False, "opt_out": {"reason": reason}}})
    assert rcps(org_template(data)) == {}
    with pytest.raises(SpecError, match=r"organization\.perimeter.*resource_control_policies is false without opt_out"):
        validate(spec_data(**{"organization.perimeter": {"resource_control_policies": False}}))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"organization.perimeter": {"resource_control_policy": False}},
            r"organization\.perimeter\.resource_control_policy",
        ),
        (
            {"integrations.0.perimeter": {"trusted_account": []}},
            r"integrations\[0\]\.perimeter\.trusted_account",
        ),
        (
            {"integrations.0.perimeter": {"trusted_accounts": [{"account_id": "900000000011", "reason": "x" * 25}]}},
            r"integrations\[0\]\.perimeter\.trusted_accounts\[0\]\.account_id.*one of vendor\.account_ids",
        ),
        (
            {"integrations.0.perimeter": {"trusted_accounts": [{"account_id": "900000000012", "reason": "short"}]}},
            r"integrations\[0\]\.perimeter\.trusted_accounts\[0\]\.reason",
        ),
        (
            {"integrations.0.perimeter": {"excluded_resources": [{"arn": "arn:aws:ec2:::x", "reason": "x" * 25}]}},
            r"integrations\[0\]\.perimeter\.excluded_resources\[0\]\.arn.*not an ARN of a service RCPs cover",
        ),
        (
            {"organization.organization_id": DELETE},
            r"organization\.organization_id.*resource control policies",
        ),
    ],
)
def test_perimeter_fields_are_typo_proof_with_clear_errors(changes, message):
    data = spec_data(**changes)
    with pytest.raises(SpecError, match=message):
        validate(data)


def test_the_register_shows_the_perimeter_its_exceptions_and_an_opt_out():
    from airlock.register.build import perimeter_record

    data = spec_data()
    data["integrations"][0]["perimeter"] = {
        "trusted_accounts": [{"account_id": "900000000099", "reason": "the vendor's archive account reads the bucket"}]
    }
    spec = validate(data)
    record = perimeter_record(spec.organization, spec.integrations[0])
    assert record.resource_control_policies and record.ec2_declarative_policy and record.opt_out_reason is None
    assert record.trusted_accounts == ["900000000011", "900000000099"]
    assert [(e.subject, e.kind, e.reason) for e in record.exceptions] == [
        ("900000000099", "trusted_account", "the vendor's archive account reads the bucket")
    ]
    reason = "RCPs are not enabled in this organization yet (change CHG-1234)"
    off = validate(
        spec_data(**{"organization.perimeter": {"resource_control_policies": False, "opt_out": {"reason": reason}}})
    )
    record = perimeter_record(off.organization, off.integrations[0])
    assert not record.resource_control_policies and record.opt_out_reason == reason and record.trusted_accounts == []
    assert record.ec2_declarative_policy


def _ec2_policy(template: dict) -> dict:
    (policy,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Organizations::Policy" and r["Properties"]["Type"] == "DECLARATIVE_POLICY_EC2"
    ]
    return policy


def test_the_ec2_declarative_policy_on_the_dedicated_ou(template):
    """Attribute names and values: AWS Organizations User Guide, "Declarative policy syntax and
    examples" (orgs_manage_policies_declarative_syntax.html)."""
    policy = _ec2_policy(template)
    (ou_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Organizations::OrganizationalUnit"]
    assert policy["Name"] == "airlock-ec2-baseline" and policy["TargetIds"] == [{"Fn::GetAtt": [ou_id, "Id"]}]
    ec2 = policy["Content"]["ec2_attributes"]
    assert ec2["vpc_block_public_access"]["internet_gateway_block"] == {
        "mode": {"@@assign": "block_bidirectional"},
        "exclusions_allowed": {"@@assign": "disabled"},  # no integration of this spec declares egress
    }
    assert ec2["instance_metadata_defaults"]["http_tokens"] == {"@@assign": "required"}
    assert ec2["image_block_public_access"] == {"state": {"@@assign": "block_new_sharing"}}
    assert ec2["snapshot_block_public_access"] == {"state": {"@@assign": "block_all_sharing"}}
    assert ec2["serial_console_access"] == {"status": {"@@assign": "disabled"}}


def test_declared_filtered_egress_allows_exclusions_which_only_its_deployment_role_may_make():
    data = spec_data()
    data["integrations"][0]["network"]["egress"] = {"allowed_domains": ["api.nimbus-crm.example"]}
    template = org_template(data)
    block = _ec2_policy(template)["Content"]["ec2_attributes"]["vpc_block_public_access"]["internet_gateway_block"]
    assert block["exclusions_allowed"] == {"@@assign": "enabled"}
    statements = {
        (r["Properties"]["Name"], s["Sid"]): s
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Organizations::Policy" and r["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
        for s in r["Properties"]["Content"]["Statement"]
    }
    crm = statements[("airlock-integration-crm-1", "AirlockDenyInternetGateway")]
    payroll = statements[("airlock-integration-payroll-1", "AirlockDenyInternetGateway")]
    for statement in (crm, payroll):
        assert "ec2:CreateVpcBlockPublicAccessExclusion" in statement["Action"]
        assert "ec2:ModifyVpcBlockPublicAccessExclusion" in statement["Action"]
    assert crm["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == [
        "arn:aws:iam::*:role/cdk-hnb659fds-*",
        "arn:aws:iam::*:role/airlock-break-glass",
    ]
    assert payroll["Condition"]["ArnNotLike"]["aws:PrincipalARN"] == "arn:aws:iam::*:role/airlock-break-glass"


def test_opting_out_of_the_ec2_declarative_policy_removes_it():
    reason = "declarative policies are managed by the cloud centre of excellence (CCOE-17)"
    data = spec_data(**{"organization.perimeter": {"ec2_declarative_policy": False, "opt_out": {"reason": reason}}})
    template = org_template(data)
    assert not [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Organizations::Policy" and r["Properties"]["Type"] == "DECLARATIVE_POLICY_EC2"
    ]
    assert "airlock-rcp-integration-crm-1" in rcps(template)


def test_the_tag_policy_fixes_the_airlock_keys_and_the_data_classifications(template):
    (policy,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Organizations::Policy" and r["Properties"]["Type"] == "TAG_POLICY"
    ]
    (ou_id,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::Organizations::OrganizationalUnit"]
    assert policy["Name"] == "airlock-tags" and policy["TargetIds"] == [{"Fn::GetAtt": [ou_id, "Id"]}]
    tags = policy["Content"]["tags"]
    from airlock.stacks.tags import integration_tags

    spec = validate(spec_data())
    written = set(integration_tags(spec.organization, spec.integrations[0]))
    assert {entry["tag_key"]["@@assign"] for entry in tags.values()} == written
    assert all(name == entry["tag_key"]["@@assign"].lower() for name, entry in tags.items())
    assert tags["airlock:data-classification"]["tag_value"] == {
        "@@assign": ["confidential", "internal", "public", "restricted"]
    }
    assert "tag_value" not in tags["airlock:integration"]


def test_opting_out_of_the_tag_policy_removes_it():
    reason = "tag policies are attached at the root by the tagging team (TAG-42)"
    template = org_template(
        spec_data(**{"organization.perimeter": {"tag_policy": False, "opt_out": {"reason": reason}}})
    )
    types = {
        r["Properties"]["Type"] for r in template["Resources"].values() if r["Type"] == "AWS::Organizations::Policy"
    }
    assert "TAG_POLICY" not in types and "DECLARATIVE_POLICY_EC2" in types
