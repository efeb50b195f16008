"""Each `airlock verify` check on hand-made API responses: match, drift, missing, pagination, denial."""

from __future__ import annotations

import dataclasses
import json

import pytest

from airlock import aws_calls
from airlock.verify import (
    DEDICATED_OU,
    Expectations,
    ExpectedEndpoint,
    ExpectedPolicy,
    ExpectedVendorRole,
    Status,
    all_checks,
    check,
)
from airlock.verify.checks import (
    endpoints,
    logs,
    network,
    organization,
    ou_policies,
    queues,
    rcp,
    scp,
    stack,
    vendor_role,
)
from airlock.verify.registry import REGISTRY, Scope
from airlock.verify.runner import run_check
from tests.verify_stubs import (
    CRM,
    MANAGEMENT,
    PAYROLL,
    REGION,
    Stubs,
    denied,
    deny_everything,
    make_spec,
    network_stack,
    with_stack,
)


def statuses(findings):
    return [(f.check_id, f.status.value) for f in findings]


def crm(stubs, stack_=None, **kwargs):
    return with_stack(stubs.context(integration="crm", region=REGION, **kwargs), stack_ or network_stack())


# --- organization: the OU and the accounts in it --------------------------------------------

OU = {"Id": "ou-a1b2-11111111", "Arn": "arn:aws:organizations::100000000001:ou/o-x/ou-a1b2-11111111"}


def org_stub(stubs):
    return stubs("organizations", MANAGEMENT)


def test_ou_found_on_a_later_page(stubs):
    org = org_stub(stubs)
    org.add_response(
        "list_organizational_units_for_parent",
        {"OrganizationalUnits": [{"Id": "ou-a1b2-00000000", "Name": "workloads"}], "NextToken": "n"},
        {"ParentId": "r-a1b2"},
    )
    org.add_response(
        "list_organizational_units_for_parent",
        {"OrganizationalUnits": [{**OU, "Name": "saas-integrations"}]},
        {"ParentId": "r-a1b2", "NextToken": "n"},
    )
    (finding,) = organization.ou_exists(stubs.context())
    assert finding.status is Status.OK
    assert "ou-a1b2-11111111" in finding.message


def test_ou_missing(stubs):
    org_stub(stubs).add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []})
    (finding,) = organization.ou_exists(stubs.context())
    assert (finding.check_id, finding.status, finding.resource) == (
        "AV-OU-1",
        Status.MISSING,
        "r-a1b2/saas-integrations",
    )


def test_ou_access_denied_is_an_error_row(stubs):
    denied(org_stub(stubs), "list_organizational_units_for_parent", "AccessDeniedException")
    (finding,) = run_check(REGISTRY["AV-OU-1"], stubs.context())
    assert finding.status is Status.ERROR
    assert finding.message == f"access denied to organizations:ListOrganizationalUnitsForParent in {MANAGEMENT}"


def _ou_known(stubs):
    org_stub(stubs).add_response(
        "list_organizational_units_for_parent", {"OrganizationalUnits": [{**OU, "Name": "saas-integrations"}]}
    )


def test_account_in_the_ou(stubs):
    _ou_known(stubs)
    org_stub(stubs).add_response(
        "list_parents", {"Parents": [{"Id": OU["Id"], "Type": "ORGANIZATIONAL_UNIT"}]}, {"ChildId": CRM}
    )
    (finding,) = organization.account_in_ou(stubs.context(integration="crm"))
    assert finding.status is Status.OK


def test_account_moved_elsewhere_is_drift(stubs):
    _ou_known(stubs)
    org_stub(stubs).add_response("list_parents", {"Parents": [{"Id": "r-a1b2", "Type": "ROOT"}]})
    (finding,) = organization.account_in_ou(stubs.context(integration="crm"))
    assert (finding.status, finding.resource) == (Status.DRIFT, CRM)
    assert "r-a1b2" in finding.message


def test_account_outside_the_organization_is_missing(stubs):
    _ou_known(stubs)
    org_stub(stubs).add_client_error("list_parents", "ChildNotFoundException")
    (finding,) = organization.account_in_ou(stubs.context(integration="crm"))
    assert finding.status is Status.MISSING


def test_created_account_without_a_recorded_id_is_missing(stubs):
    ctx = stubs.context(integration="payroll")
    ctx.lock = type(ctx.lock)()  # no ids recorded
    (finding,) = organization.account_in_ou(ctx)
    assert finding.status is Status.MISSING
    assert "account lock file" in finding.message


# --- SCPs ------------------------------------------------------------------------------------

DENY_LEAVE = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "NoLeave", "Effect": "Deny", "Action": ["organizations:LeaveOrganization"], "Resource": "*"}],
}
QUARANTINE = ExpectedPolicy(
    "airlock-quarantine", {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
)


def _policy(name, policy_id):
    return {
        "Id": policy_id,
        "Arn": f"arn:aws:organizations::x:policy/{policy_id}",
        "Name": name,
        "Type": "SERVICE_CONTROL_POLICY",
        "AwsManaged": False,
    }


def test_scp_with_equivalent_content_matches(stubs):
    _ou_known(stubs)
    org = org_stub(stubs)
    org.add_response(
        "list_policies_for_target",
        {"Policies": [_policy("FullAWSAccess", "p-FullAWSAccess"), _policy("airlock-guardrails", "p-1")]},
        {"TargetId": OU["Id"], "Filter": "SERVICE_CONTROL_POLICY"},
    )
    # AWS hands back the document re-serialised: a single action as a string, keys reordered.
    live = {
        "Statement": [
            {"Resource": "*", "Action": "organizations:LeaveOrganization", "Effect": "Deny", "Sid": "NoLeave"}
        ],
        "Version": "2012-10-17",
    }
    org.add_response("describe_policy", {"Policy": {"Content": json.dumps(live)}}, {"PolicyId": "p-1"})
    ctx = stubs.context(
        expectations=Expectations(scps={DEDICATED_OU: [ExpectedPolicy("airlock-guardrails", DENY_LEAVE)]})
    )
    assert statuses(scp.organization_scps(ctx)) == [("AV-SCP-1", "ok"), ("AV-SCP-2", "ok")]


def test_changed_detached_and_extra_scps(stubs):
    _ou_known(stubs)
    org = org_stub(stubs)
    org.add_response(
        "list_policies_for_target",
        {"Policies": [_policy("airlock-guardrails", "p-1"), _policy("someone-elses", "p-9")], "NextToken": "n"},
    )
    org.add_response("list_policies_for_target", {"Policies": [_policy("FullAWSAccess", "p-FullAWSAccess")]})
    weakened = {**DENY_LEAVE, "Statement": [{**DENY_LEAVE["Statement"][0], "Effect": "Allow"}]}
    org.add_response("describe_policy", {"Policy": {"Content": json.dumps(weakened)}})
    expected = [ExpectedPolicy("airlock-guardrails", DENY_LEAVE), ExpectedPolicy("airlock-regions", DENY_LEAVE)]
    ctx = stubs.context(expectations=Expectations(scps={DEDICATED_OU: expected}))
    findings = scp.organization_scps(ctx)
    assert statuses(findings) == [("AV-SCP-1", "drift"), ("AV-SCP-1", "missing"), ("AV-SCP-2", "drift")]
    assert findings[2].resource == f"{OU['Id']}/someone-elses"


def test_no_expected_scps_means_no_scp_rows(stubs):
    assert scp.organization_scps(stubs.context()) == []
    assert scp.account_scps(stubs.context(integration="crm")) == []


def test_suspended_integration_without_quarantine_is_missing(stubs):
    spec = make_spec(**{"integrations.0.state": "suspended"})
    org_stub(stubs).add_response(
        "list_policies_for_target",
        {"Policies": [_policy("FullAWSAccess", "p-F")]},
        {"TargetId": CRM, "Filter": "SERVICE_CONTROL_POLICY"},
    )
    ctx = stubs.context(spec, integration="crm", expectations=Expectations(quarantine_scp=QUARANTINE))
    assert statuses(scp.account_scps(ctx)) == [("AV-SCP-3", "missing")]


def test_suspended_integration_with_quarantine_matches(stubs):
    spec = make_spec(**{"integrations.0.state": "suspended"})
    org = org_stub(stubs)
    org.add_response("list_policies_for_target", {"Policies": [_policy("airlock-quarantine", "p-q")]})
    org.add_response("describe_policy", {"Policy": {"Content": json.dumps(QUARANTINE.document)}})
    ctx = stubs.context(spec, integration="crm", expectations=Expectations(quarantine_scp=QUARANTINE))
    assert statuses(scp.account_scps(ctx)) == [("AV-SCP-3", "ok")]


def test_active_integration_carrying_the_quarantine_is_drift(stubs):
    org_stub(stubs).add_response("list_policies_for_target", {"Policies": [_policy("airlock-quarantine", "p-q")]})
    ctx = stubs.context(integration="crm", expectations=Expectations(quarantine_scp=QUARANTINE))
    assert statuses(scp.account_scps(ctx)) == [("AV-SCP-3", "drift")]


# --- the OU's EC2 declarative policy and tag policy --------------------------------------------

EC2_BASELINE = {"ec2_attributes": {"serial_console_access": {"status": {"@@assign": "disabled"}}}}
TAGS = {"tags": {"airlock:owner": {"tag_key": {"@@assign": "airlock:owner"}}}}
OU_EXPECTED = Expectations(
    ou_policies={
        "DECLARATIVE_POLICY_EC2": [ExpectedPolicy("airlock-ec2-baseline", EC2_BASELINE)],
        "TAG_POLICY": [ExpectedPolicy("airlock-tags", TAGS)],
    }
)


def _typed(name, policy_id, type_):
    return {**_policy(name, policy_id), "Type": type_}


def test_ou_declarative_and_tag_policies_attached_with_their_content_match(stubs):
    _ou_known(stubs)
    org = org_stub(stubs)
    org.add_response(
        "list_policies_for_target",
        {"Policies": [_typed("airlock-ec2-baseline", "p-e", "DECLARATIVE_POLICY_EC2")]},
        {"TargetId": OU["Id"], "Filter": "DECLARATIVE_POLICY_EC2"},
    )
    # Organizations hands the content back re-serialised; key order does not matter.
    org.add_response(
        "describe_policy", {"Policy": {"Content": json.dumps(EC2_BASELINE, indent=2)}}, {"PolicyId": "p-e"}
    )
    ctx = stubs.context(expectations=OU_EXPECTED)
    assert statuses(ou_policies.ec2_declarative_policy(ctx)) == [("AV-EC2-1", "ok"), ("AV-EC2-2", "ok")]


def test_a_relaxed_tag_policy_is_drift_by_the_attribute_that_changed_and_another_is_reported(stubs):
    _ou_known(stubs)
    org = org_stub(stubs)
    org.add_response(
        "list_policies_for_target",
        {"Policies": [_typed("airlock-tags", "p-t", "TAG_POLICY"), _typed("team-tags", "p-x", "TAG_POLICY")]},
        {"TargetId": OU["Id"], "Filter": "TAG_POLICY"},
    )
    relaxed = {"tags": {"airlock:owner": {"tag_key": {"@@assign": "Airlock:Owner"}}}}
    org.add_response("describe_policy", {"Policy": {"Content": json.dumps(relaxed)}}, {"PolicyId": "p-t"})
    findings = ou_policies.tag_policy(stubs.context(expectations=OU_EXPECTED))
    assert statuses(findings) == [("AV-TAG-1", "drift"), ("AV-TAG-2", "drift")]
    assert "tags.airlock:owner.tag_key.@@assign" in findings[0].message
    assert findings[1].resource == f"{OU['Id']}/team-tags"


def test_a_detached_ec2_policy_is_missing(stubs):
    _ou_known(stubs)
    org_stub(stubs).add_response("list_policies_for_target", {"Policies": []})
    findings = ou_policies.ec2_declarative_policy(stubs.context(expectations=OU_EXPECTED))
    assert statuses(findings) == [("AV-EC2-1", "missing"), ("AV-EC2-2", "ok")]
    assert findings[0].resource == f"{OU['Id']}/airlock-ec2-baseline"


def test_without_the_ou_the_policies_are_missing_and_without_expectations_there_are_no_rows(stubs):
    org_stub(stubs).add_response("list_organizational_units_for_parent", {"OrganizationalUnits": []})
    assert statuses(ou_policies.tag_policy(stubs.context(expectations=OU_EXPECTED))) == [("AV-TAG-1", "missing")]
    assert ou_policies.ec2_declarative_policy(stubs.context()) == []
    assert ou_policies.tag_policy(stubs.context()) == []


# --- RCPs ------------------------------------------------------------------------------------

PERIMETER = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "P", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}],
}
QUARANTINE_RCP = ExpectedPolicy(
    "airlock-quarantine-rcp",
    {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]},
)
RCP_EXPECTED = Expectations(rcps={"crm": [ExpectedPolicy("airlock-rcp-integration-crm-1", PERIMETER)]})


def _rcp(name, policy_id):
    return {**_policy(name, policy_id), "Type": "RESOURCE_CONTROL_POLICY"}


def test_account_rcp_attached_with_the_expected_content_matches(stubs):
    org = org_stub(stubs)
    org.add_response(
        "list_policies_for_target",
        {"Policies": [_rcp("RCPFullAWSAccess", "p-R"), _rcp("airlock-rcp-integration-crm-1", "p-1")]},
        {"TargetId": CRM, "Filter": "RESOURCE_CONTROL_POLICY"},
    )
    org.add_response("describe_policy", {"Policy": {"Content": json.dumps(PERIMETER)}}, {"PolicyId": "p-1"})
    ctx = stubs.context(integration="crm", expectations=RCP_EXPECTED)
    assert statuses(rcp.account_rcps(ctx)) == [("AV-RCP-1", "ok"), ("AV-RCP-2", "ok")]


def test_account_rcp_missing_changed_or_joined_by_another_is_reported(stubs):
    org = org_stub(stubs)
    org.add_response("list_policies_for_target", {"Policies": [_rcp("someone-elses", "p-9")]})
    ctx = stubs.context(integration="crm", expectations=RCP_EXPECTED)
    findings = rcp.account_rcps(ctx)
    assert statuses(findings) == [("AV-RCP-1", "missing"), ("AV-RCP-2", "drift")]
    assert findings[1].resource == f"{CRM}/someone-elses"


def test_account_rcp_with_other_content_is_drift(stubs):
    org = org_stub(stubs)
    org.add_response("list_policies_for_target", {"Policies": [_rcp("airlock-rcp-integration-crm-1", "p-1")]})
    org.add_response("describe_policy", {"Policy": {"Content": json.dumps(DENY_LEAVE)}})
    ctx = stubs.context(integration="crm", expectations=RCP_EXPECTED)
    assert statuses(rcp.account_rcps(ctx)) == [("AV-RCP-1", "drift"), ("AV-RCP-2", "ok")]


def test_suspended_integration_without_the_quarantine_rcp_is_missing_and_with_it_ok(stubs):
    spec = make_spec(**{"integrations.0.state": "suspended"})
    org = org_stub(stubs)
    org.add_response("list_policies_for_target", {"Policies": [_rcp("RCPFullAWSAccess", "p-R")]})
    ctx = stubs.context(spec, integration="crm", expectations=Expectations(quarantine_rcp=QUARANTINE_RCP))
    assert statuses(rcp.account_rcps(ctx)) == [("AV-RCP-3", "missing")]
    stubs2 = type(stubs)()
    org2 = org_stub(stubs2)
    org2.add_response("list_policies_for_target", {"Policies": [_rcp("airlock-quarantine-rcp", "p-q")]})
    org2.add_response("describe_policy", {"Policy": {"Content": json.dumps(QUARANTINE_RCP.document)}})
    ctx = stubs2.context(spec, integration="crm", expectations=Expectations(quarantine_rcp=QUARANTINE_RCP))
    assert statuses(rcp.account_rcps(ctx)) == [("AV-RCP-3", "ok")]


def test_active_integration_carrying_the_quarantine_rcp_is_drift(stubs):
    org_stub(stubs).add_response("list_policies_for_target", {"Policies": [_rcp("airlock-quarantine-rcp", "p-q")]})
    ctx = stubs.context(integration="crm", expectations=Expectations(quarantine_rcp=QUARANTINE_RCP))
    assert statuses(rcp.account_rcps(ctx)) == [("AV-RCP-3", "drift")]


def test_no_expected_rcps_means_no_rcp_rows(stubs):
    assert rcp.account_rcps(stubs.context(integration="crm")) == []


# --- the vendor role ---------------------------------------------------------------------------

ROLE = ExpectedVendorRole(
    role_name="airlock-crm-vendor",
    principals=frozenset({"900000000011"}),
    external_id="x" * 32,
    permissions_boundary_arn=f"arn:aws:iam::{CRM}:policy/airlock-vendor-boundary",
    max_session_duration=3600,
    managed_policy_arns=frozenset({f"arn:aws:iam::{CRM}:policy/airlock-crm-vendor-access"}),
)
GOOD_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::900000000011:root"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {"sts:ExternalId": "x" * 32}},
        }
    ],
}


def _role(trust=GOOD_TRUST, boundary=ROLE.permissions_boundary_arn, duration=3600):
    role = {
        "Path": "/",
        "RoleName": ROLE.role_name,
        "RoleId": "AROAEXAMPLEEXAMPLE01",
        "Arn": f"arn:aws:iam::{CRM}:role/{ROLE.role_name}",
        "CreateDate": "2026-01-01T00:00:00Z",
        "AssumeRolePolicyDocument": json.dumps(trust),
        "MaxSessionDuration": duration,
    }
    if boundary:
        role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return {"Role": role}


def _vendor_ctx(stubs):
    return stubs.context(integration="crm", expectations=Expectations(vendor_roles={"crm": ROLE}))


def test_vendor_trust_matches(stubs):
    stubs("iam").add_response("get_role", _role(), {"RoleName": ROLE.role_name})
    assert statuses(vendor_role.vendor_trust(_vendor_ctx(stubs))) == [("AV-VENDOR-1", "ok")]


def test_trust_statement_without_external_id_is_drift(stubs):
    extra = {"Sid": "Console", "Effect": "Allow", "Principal": {"AWS": "900000000011"}, "Action": "sts:AssumeRole"}
    trust = {**GOOD_TRUST, "Statement": [*GOOD_TRUST["Statement"], extra]}
    stubs("iam").add_response("get_role", _role(trust))
    (finding,) = vendor_role.vendor_trust(_vendor_ctx(stubs))
    assert finding.status is Status.DRIFT
    assert finding.message == "Console does not require sts:ExternalId"


def test_trust_naming_an_undeclared_principal_is_drift(stubs):
    statement = {**GOOD_TRUST["Statement"][0], "Principal": {"AWS": ["arn:aws:iam::900000000011:root", "123456789012"]}}
    stubs("iam").add_response("get_role", _role({**GOOD_TRUST, "Statement": [statement]}))
    (finding,) = vendor_role.vendor_trust(_vendor_ctx(stubs))
    assert "undeclared arn:aws:iam::123456789012:root" in finding.message


def test_missing_vendor_role(stubs):
    stubs("iam").add_client_error("get_role", "NoSuchEntity", http_status_code=404)
    assert statuses(vendor_role.vendor_trust(_vendor_ctx(stubs))) == [("AV-VENDOR-1", "missing")]


def _self_assume_trust(role_arn: str) -> dict:
    statement = {
        "Sid": "SelfAssume",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{CRM}:root"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "x" * 32}, "ArnEquals": {"aws:PrincipalArn": role_arn}},
    }
    return {**GOOD_TRUST, "Statement": [*GOOD_TRUST["Statement"], statement]}


def test_a_self_assuming_role_may_trust_its_own_account_narrowed_to_itself(stubs):
    own = f"arn:aws:iam::{CRM}:role/{ROLE.role_name}"
    stubs("iam").add_response("get_role", _role(_self_assume_trust(own)))
    expected = dataclasses.replace(ROLE, self_assume=True)
    ctx = stubs.context(integration="crm", expectations=Expectations(vendor_roles={"crm": expected}))
    assert statuses(vendor_role.vendor_trust(ctx)) == [("AV-VENDOR-1", "ok")]


@pytest.mark.parametrize(
    ("self_assume", "narrowed_to"),
    [(False, "airlock-crm-vendor"), (True, "someone-else")],
    ids=["not-declared", "another-role-of-the-account"],
)
def test_trusting_the_own_account_otherwise_is_drift(stubs, self_assume, narrowed_to):
    stubs("iam").add_response("get_role", _role(_self_assume_trust(f"arn:aws:iam::{CRM}:role/{narrowed_to}")))
    expected = dataclasses.replace(ROLE, self_assume=self_assume)
    ctx = stubs.context(integration="crm", expectations=Expectations(vendor_roles={"crm": expected}))
    (finding,) = vendor_role.vendor_trust(ctx)
    assert finding.status is Status.DRIFT
    assert f"SelfAssume trusts undeclared arn:aws:iam::{CRM}:root" in finding.message


def test_boundary_and_session_duration(stubs):
    stubs("iam").add_response("get_role", _role(boundary=None, duration=43200))
    (finding,) = vendor_role.vendor_limits(_vendor_ctx(stubs))
    assert finding.status is Status.DRIFT
    assert "boundary is absent" in finding.message
    assert "43200" in finding.message


def test_extra_policies_on_the_vendor_role_across_pages(stubs):
    iam = stubs("iam")
    iam.add_response("get_role", _role())
    iam.add_response(
        "list_attached_role_policies",
        {
            "AttachedPolicies": [{"PolicyName": "a", "PolicyArn": next(iter(ROLE.managed_policy_arns))}],
            "IsTruncated": True,
            "Marker": "m",
        },
    )
    iam.add_response(
        "list_attached_role_policies",
        {
            "AttachedPolicies": [{"PolicyName": "Admin", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
            "IsTruncated": False,
        },
        {"RoleName": ROLE.role_name, "Marker": "m"},
    )
    iam.add_response("list_role_policies", {"PolicyNames": ["inline-extra"], "IsTruncated": False})
    (finding,) = vendor_role.vendor_policies(_vendor_ctx(stubs))
    assert finding.status is Status.DRIFT
    assert "extra managed policies arn:aws:iam::aws:policy/AdministratorAccess" in finding.message
    assert "extra inline policies inline-extra" in finding.message


# --- the integration stack ---------------------------------------------------------------------


def test_stack_discovery_reads_status_resources_and_template(stubs):
    cfn = stubs("cloudformation")
    cfn.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "airlock-crm-eu-central-1",
                    "StackStatus": "UPDATE_ROLLBACK_COMPLETE",
                    "CreationTime": "2026-01-01T00:00:00Z",
                }
            ]
        },
        {"StackName": "airlock-crm-eu-central-1"},
    )
    summary = {
        "LogicalResourceId": "NetworkVpc",
        "PhysicalResourceId": "vpc-1",
        "ResourceType": "AWS::EC2::VPC",
        "ResourceStatus": "CREATE_COMPLETE",
        "LastUpdatedTimestamp": "2026-01-01T00:00:00Z",
    }
    cfn.add_response("list_stack_resources", {"StackResourceSummaries": [summary], "NextToken": "n"})
    cfn.add_response(
        "list_stack_resources",
        {"StackResourceSummaries": [{**summary, "LogicalResourceId": "Other", "PhysicalResourceId": "vpc-2"}]},
        {"StackName": "airlock-crm-eu-central-1", "NextToken": "n"},
    )
    cfn.add_response("get_template", {"TemplateBody": json.dumps({"Resources": {}})})
    ctx = stubs.context(integration="crm", region=REGION)
    (finding,) = stack.stack_deployed(ctx)
    assert (finding.status, finding.resource) == (Status.DRIFT, "airlock-crm-eu-central-1")
    assert network.stack_vpcs(ctx)[1] == ["vpc-1", "vpc-2"]  # both pages, and no second read


def test_absent_stack_is_missing_and_silences_the_resource_checks(stubs):
    stubs("cloudformation").add_client_error("describe_stacks", "ValidationError", "Stack with id x does not exist")
    ctx = stubs.context(integration="crm", region=REGION)
    assert statuses(stack.stack_deployed(ctx)) == [("AV-STACK-1", "missing")]
    assert network.flow_logs(ctx) == []
    assert logs.log_groups(ctx) == []


# --- flow logs and egress ------------------------------------------------------------------------

FLOW = {
    "FlowLogId": "fl-1",
    "ResourceId": "vpc-1",
    "TrafficType": "ALL",
    "FlowLogStatus": "ACTIVE",
    "LogGroupName": "crm-flow-logs",
}


def test_flow_log_found_on_the_second_page(stubs):
    ec2 = stubs("ec2")
    ec2.add_response(
        "describe_flow_logs",
        {"FlowLogs": [], "NextToken": "n"},
        {"Filters": [{"Name": "resource-id", "Values": ["vpc-1"]}]},
    )
    ec2.add_response("describe_flow_logs", {"FlowLogs": [FLOW]})
    assert statuses(network.flow_logs(crm(stubs))) == [("AV-FLOWLOG-1", "ok")]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"TrafficType": "REJECT"}, "drift"),
        ({"FlowLogStatus": "INACTIVE"}, "drift"),
        ({"LogGroupName": "elsewhere"}, "drift"),
        (None, "missing"),
    ],
)
def test_flow_log_that_does_not_record_everything_where_expected(stubs, change, status):
    stubs("ec2").add_response("describe_flow_logs", {"FlowLogs": [{**FLOW, **change}] if change else []})
    assert statuses(network.flow_logs(crm(stubs))) == [("AV-FLOWLOG-1", status)]


def test_internet_gateway_attached_is_drift(stubs):
    gateway = {"InternetGatewayId": "igw-1", "Attachments": [{"VpcId": "vpc-1", "State": "available"}]}
    stubs("ec2").add_response(
        "describe_internet_gateways",
        {"InternetGateways": [gateway]},
        {"Filters": [{"Name": "attachment.vpc-id", "Values": ["vpc-1"]}]},
    )
    (finding,) = REGISTRY["AV-EGRESS-1"].function(crm(stubs))
    assert (finding.status, finding.resource) == (Status.DRIFT, "igw-1")


def test_nat_gateway_but_not_a_deleted_one(stubs):
    gateways = [
        {"NatGatewayId": "nat-1", "VpcId": "vpc-1", "State": "available"},
        {"NatGatewayId": "nat-0", "VpcId": "vpc-1", "State": "deleted"},
    ]
    stubs("ec2").add_response(
        "describe_nat_gateways", {"NatGateways": gateways}, {"Filter": [{"Name": "vpc-id", "Values": ["vpc-1"]}]}
    )
    findings = REGISTRY["AV-EGRESS-3"].function(crm(stubs))
    assert [(f.status.value, f.resource) for f in findings] == [("drift", "nat-1")]


def test_peering_on_either_side(stubs):
    ec2 = stubs("ec2")
    ec2.add_response("describe_vpc_peering_connections", {"VpcPeeringConnections": []})
    accepted = {
        "VpcPeeringConnectionId": "pcx-1",
        "Status": {"Code": "active"},
        "AccepterVpcInfo": {"VpcId": "vpc-1"},
        "RequesterVpcInfo": {"VpcId": "vpc-9"},
    }
    ec2.add_response(
        "describe_vpc_peering_connections",
        {"VpcPeeringConnections": [accepted]},
        {"Filters": [{"Name": "accepter-vpc-info.vpc-id", "Values": ["vpc-1"]}]},
    )
    findings = REGISTRY["AV-EGRESS-4"].function(crm(stubs))
    assert [(f.status.value, f.resource) for f in findings] == [("drift", "pcx-1")]


def test_transit_gateway_attachment(stubs):
    attachment = {"TransitGatewayAttachmentId": "tgw-attach-1", "VpcId": "vpc-1", "State": "available"}
    stubs("ec2").add_response(
        "describe_transit_gateway_vpc_attachments", {"TransitGatewayVpcAttachments": [attachment]}
    )
    assert statuses(REGISTRY["AV-EGRESS-5"].function(crm(stubs))) == [("AV-EGRESS-5", "drift")]


def test_no_egress_at_all(stubs):
    stubs("ec2").add_response(
        "describe_egress_only_internet_gateways",
        {
            "EgressOnlyInternetGateways": [
                {"EgressOnlyInternetGatewayId": "eigw-1", "Attachments": [{"VpcId": "vpc-other", "State": "attached"}]}
            ]
        },
    )
    assert statuses(REGISTRY["AV-EGRESS-2"].function(crm(stubs))) == [("AV-EGRESS-2", "ok")]


def test_egress_lookup_throttled_beyond_retries_is_an_error_row(stubs):
    for _ in range(aws_calls.POLICY.attempts):
        stubs("ec2").add_client_error("describe_nat_gateways", "RequestLimitExceeded", http_status_code=503)
    (finding,) = run_check(REGISTRY["AV-EGRESS-3"], crm(stubs))
    assert finding.status is Status.ERROR
    assert "ec2:DescribeNatGateways" in finding.message and "throttled" in finding.message


# --- endpoints -----------------------------------------------------------------------------------


def _endpoint(groups, service="com.amazonaws.eu-central-1.sqs"):
    return {
        "VpcEndpointId": "vpce-1",
        "VpcId": "vpc-1",
        "State": "available",
        "ServiceName": service,
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
    }


def test_endpoint_group_open_to_ipv6_world_is_drift(stubs):
    ec2 = stubs("ec2")
    ec2.add_response("describe_vpc_endpoints", {"VpcEndpoints": [_endpoint(["sg-1", "sg-2"])]})
    open_ = {
        "GroupId": "sg-2",
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
    }
    closed = {
        "GroupId": "sg-1",
        "IpPermissions": [
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.20.0.0/22"}]}
        ],
    }
    ec2.add_response("describe_security_groups", {"SecurityGroups": [open_, closed]}, {"GroupIds": ["sg-1", "sg-2"]})
    findings = endpoints.endpoint_groups_closed(crm(stubs))
    assert [(f.resource, f.status.value) for f in findings] == [("sg-1", "ok"), ("sg-2", "drift")]
    assert "::/0 on tcp 443-443" in findings[1].message


def test_expected_endpoint_groups(stubs):
    stubs("ec2").add_response("describe_vpc_endpoints", {"VpcEndpoints": [_endpoint(["sg-1", "sg-extra"])]})
    stack_ = network_stack()
    stack_.resources["EndpointGroup"] = ("AWS::EC2::SecurityGroup", "sg-1")
    expected = {
        ("crm", REGION): [
            ExpectedEndpoint("com.amazonaws.eu-central-1.sqs", frozenset({"EndpointGroup"})),
            ExpectedEndpoint("com.amazonaws.eu-central-1.kms"),
        ]
    }
    findings = endpoints.expected_endpoints(crm(stubs, stack_, expectations=Expectations(endpoints=expected)))
    assert statuses(findings) == [("AV-ENDPOINT-2", "drift"), ("AV-ENDPOINT-2", "missing")]
    assert "has undeclared sg-extra" in findings[0].message


# --- log groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "status", "words"),
    [
        ({"retentionInDays": 365, "kmsKeyId": "arn:aws:kms:eu-central-1:1:key/k"}, "ok", "retention 365"),
        ({"kmsKeyId": "arn:aws:kms:eu-central-1:1:key/k"}, "drift", "keeps events forever"),
        ({"retentionInDays": 30, "kmsKeyId": "k"}, "drift", "retention is 30 days, expected 365"),
        ({"retentionInDays": 365}, "drift", "not encrypted with a KMS key"),
    ],
)
def test_log_group_retention_and_key(stubs, group, status, words):
    stubs("logs").add_response(
        "describe_log_groups",
        {"logGroups": [{"logGroupName": "crm-flow-logs-longer"}, {"logGroupName": "crm-flow-logs", **group}]},
        {"logGroupNamePrefix": "crm-flow-logs"},
    )
    (finding,) = logs.log_groups(crm(stubs))
    assert finding.status.value == status
    assert words in finding.message


# --- queues --------------------------------------------------------------------------------------

QUEUE = "airlock-crm-inbound"
TLS_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sqs:*",
                "Resource": f"arn:aws:sqs:eu-central-1:{CRM}:{QUEUE}",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
)


def _queue_attributes(stubs, source: dict | None, dlq: dict | None = None):
    sqs = stubs("sqs")
    for name, attributes in ((QUEUE, source), (QUEUE + "-dlq", dlq)):
        if attributes is None:
            sqs.add_client_error("get_queue_url", "AWS.SimpleQueueService.NonExistentQueue", http_status_code=400)
            return
        url = f"https://sqs.eu-central-1.amazonaws.com/{CRM}/{name}"
        sqs.add_response("get_queue_url", {"QueueUrl": url}, {"QueueName": name, "QueueOwnerAWSAccountId": CRM})
        sqs.add_response(
            "get_queue_attributes", {"Attributes": attributes}, {"QueueUrl": url, "AttributeNames": ["All"]}
        )


SECURE = {"KmsMasterKeyId": "arn:aws:kms:eu-central-1:1:key/k", "Policy": TLS_POLICY}
REDRIVE = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:eu-central-1:{CRM}:{QUEUE}-dlq", "maxReceiveCount": 5})


def test_secure_buffer_passes_every_queue_check(stubs):
    _queue_attributes(stubs, {**SECURE, "RedrivePolicy": REDRIVE}, SECURE)
    ctx = crm(stubs)
    findings = queues.redrive(ctx) + queues.queue_encryption(ctx) + queues.queue_tls_only(ctx)
    assert {f.status for f in findings} == {Status.OK}
    assert len(findings) == 5  # redrive once, key and TLS for both queues


def test_queue_without_redrive(stubs):
    _queue_attributes(stubs, SECURE, SECURE)
    (finding,) = queues.redrive(crm(stubs))
    assert (finding.status, finding.resource) == (Status.DRIFT, f"arn:aws:sqs:eu-central-1:{CRM}:{QUEUE}")


def test_redrive_elsewhere_and_with_another_count(stubs):
    other = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:eu-central-1:{CRM}:other", "maxReceiveCount": "50"})
    _queue_attributes(stubs, {**SECURE, "RedrivePolicy": other}, SECURE)
    (finding,) = queues.redrive(crm(stubs))
    assert "not airlock-crm-inbound-dlq" in finding.message and "maxReceiveCount is 50" in finding.message


def test_missing_queue(stubs):
    _queue_attributes(stubs, None)
    assert statuses(queues.redrive(crm(stubs))) == [("AV-QUEUE-1", "missing")]


def test_sqs_managed_encryption_and_no_tls_policy_are_drift(stubs):
    plain = {"SqsManagedSseEnabled": "true", "RedrivePolicy": REDRIVE}
    _queue_attributes(stubs, plain, {"SqsManagedSseEnabled": "true"})
    ctx = crm(stubs)
    queues.redrive(ctx)
    assert statuses(queues.queue_encryption(ctx)) == [("AV-QUEUE-2", "drift")] * 2
    assert statuses(queues.queue_tls_only(ctx)) == [("AV-QUEUE-3", "drift")] * 2


def test_denied_queue_read_is_an_error_row(stubs):
    denied(stubs("sqs"), "get_queue_url")
    (finding,) = run_check(REGISTRY["AV-QUEUE-1"], crm(stubs))
    assert finding.message == f"access denied to sqs:GetQueueUrl in {CRM}"


def test_region_checks_use_the_integrations_account():
    ctx = Stubs().context(integration="payroll", region="eu-west-1")
    assert ctx.account_id == PAYROLL
    assert ctx.where() == f"payroll/{PAYROLL}/eu-west-1"


def test_every_check_has_a_stable_unique_id_and_a_description():
    checks = all_checks()
    assert len({c.id for c in checks}) == len(checks)
    for item in checks:
        assert item.id.startswith("AV-") and item.description, item.id
    again = check("AV-OU-1", scope=Scope.ORGANIZATION, title="again")
    with pytest.raises(ValueError, match="registered twice"):
        again(lambda ctx: [])


# --- every check, denied -------------------------------------------------------------------------

_EVERYTHING_EXPECTED = Expectations(
    scps={DEDICATED_OU: [ExpectedPolicy("airlock-guardrails", DENY_LEAVE)], "crm": [ExpectedPolicy("x", DENY_LEAVE)]},
    quarantine_scp=QUARANTINE,
    rcps={"crm": [ExpectedPolicy("airlock-rcp-integration-crm-1", DENY_LEAVE)]},
    quarantine_rcp=QUARANTINE_RCP,
    ou_policies=OU_EXPECTED.ou_policies,
    vendor_roles={"crm": ROLE},
    endpoints={("crm", REGION): [ExpectedEndpoint("com.amazonaws.eu-central-1.sqs")]},
)
_SERVICES = ("organizations", "sts", "cloudformation", "ec2", "logs", "sqs", "iam")


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_reports_a_denied_call_as_an_error_row(check_id):
    """Whatever a check reads first, a denial becomes one `error` row naming the action and account."""
    item = REGISTRY[check_id]
    stubs = Stubs()
    deny_everything(stubs, MANAGEMENT, _SERVICES)
    deny_everything(stubs, CRM, _SERVICES)
    ctx = stubs.context(expectations=_EVERYTHING_EXPECTED)
    if item.scope is not Scope.ORGANIZATION:
        ctx = ctx.scoped(ctx.spec.integration("crm"), REGION if item.scope is Scope.REGION else None)
    if item.scope is Scope.REGION and check_id != "AV-STACK-1":
        with_stack(ctx, network_stack())  # get past discovery to the check's own calls
    (finding,) = run_check(item, ctx)
    assert finding.status is Status.ERROR, finding
    assert finding.check_id == check_id
    assert finding.message.startswith("access denied to "), finding.message
    assert finding.message.endswith((f" in {MANAGEMENT}", f" in {CRM}")), finding.message


def test_vendor_boundary_and_policies_given_by_logical_id_resolve_through_the_stack(stubs):
    expected = ExpectedVendorRole(
        role_name=ROLE.role_name,
        principals=ROLE.principals,
        permissions_boundary_arn="VendorAccessBoundary",
        managed_policy_arns=frozenset({"VendorAccessPermissions"}),
    )
    stack_ = network_stack()
    stack_.resources["VendorAccessBoundary"] = ("AWS::IAM::ManagedPolicy", ROLE.permissions_boundary_arn)
    stack_.resources["VendorAccessPermissions"] = ("AWS::IAM::ManagedPolicy", next(iter(ROLE.managed_policy_arns)))
    ctx = with_stack(stubs.context(integration="crm", region=REGION), stack_).scoped(make_spec().integration("crm"))
    ctx.expectations = Expectations(vendor_roles={"crm": expected})
    iam = stubs("iam")
    iam.add_response("get_role", _role())
    iam.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyName": "p", "PolicyArn": next(iter(ROLE.managed_policy_arns))}]},
    )
    iam.add_response("list_role_policies", {"PolicyNames": []})
    assert statuses(vendor_role.vendor_limits(ctx) + vendor_role.vendor_policies(ctx)) == [
        ("AV-VENDOR-2", "ok"),
        ("AV-VENDOR-3", "ok"),
    ]


def test_verify_mirrors_the_vendor_role_name_of_the_stacks():
    from airlock.spec import validate
    from airlock.stacks.access import vendor_role_name
    from airlock.verify.expected import vendor_role_name as mirrored
    from tests.specs import spec_data

    spec = validate(spec_data())
    for integration in spec.integrations:
        assert mirrored(integration) == vendor_role_name(integration, integration.regions[0])


def test_an_integration_without_a_network_expects_no_flow_log_but_one_with_a_network_does(stubs):
    from airlock.verify.discovery import DeployedStack
    from tests.specs import DELETE

    bare = DeployedStack(name="airlock-crm-eu-central-1", status="CREATE_COMPLETE")
    spec = make_spec(**{"integrations.0.network": DELETE})
    ctx = with_stack(stubs.context(spec, integration="crm", region=REGION), bare)
    assert network.flow_logs(ctx) == []
    assert statuses(network.flow_logs(crm(stubs, bare))) == [("AV-FLOWLOG-1", "missing")]
