"""`airlock verify` expects what the stacks build: one SCP plan, one list of endpoints.

The organization stack builds its SCPs from :func:`airlock.stacks.guardrail_plan.plan_scps`
and :func:`airlock.verify.expectations_for` expects the same plan; these tests hold the
synthesized templates against both, and run the SCP and endpoint checks on the keys and
flags that the real expectations use.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from airlock.constructs.guardrails import GuardrailPolicies, ScpQuota, pack
from airlock.spec import AccountLock, validate
from airlock.stacks.guardrail_plan import plan_scps
from airlock.verify import DEDICATED_OU, Expectations, ExpectedEndpoint, ExpectedPolicy, expectations_for, sub_ou_key
from airlock.verify.checks import endpoints, scp
from tests.conftest import EXAMPLE_SPEC
from tests.unit.test_organization import organization_template, ou_logical_id, policies, rich_spec
from tests.verify_stubs import MANAGEMENT, REGION, network_stack, with_stack

SCP = "AWS::Organizations::Policy"


@pytest.fixture(scope="module")
def rich():
    spec = rich_spec(**{"integrations.0.state": "suspended"})
    return spec, organization_template(spec)


@pytest.fixture(scope="module")
def example(example_assembly):
    from airlock.spec import load

    return load(EXAMPLE_SPEC), example_assembly.organization_layer()


def _by_name(template: dict) -> dict[str, dict]:
    return {props["Name"]: props for props in policies(template)}


@pytest.mark.parametrize("which", ["rich", "example"])
def test_the_stack_builds_exactly_the_planned_scps_on_their_targets(which, request):
    spec, template = request.getfixturevalue(which)
    plan = plan_scps(spec.organization, spec.integrations)
    built = _by_name(template)
    planned = {policy.name: (target, policy) for target in plan.targets for policy in target.policies}
    assert set(built) == set(planned) | {plan.quarantine.name}
    for name, (target, policy) in planned.items():
        assert built[name]["Content"] == policy.document
        if target.integration is None:
            ou = ou_logical_id(template, target.ou_chain[-1])
            assert built[name]["TargetIds"] == [{"Fn::GetAtt": [ou, "Id"]}]
        else:
            integration = spec.integration(target.integration)
            if integration.account.adopt:
                assert built[name]["TargetIds"] == [integration.account.adopt]
    assert built[plan.quarantine.name]["Content"] == plan.quarantine.document


def test_the_rich_plan_covers_sub_ous_and_every_account(rich):
    spec, _ = rich
    plan = plan_scps(spec.organization, spec.integrations)
    assert set(plan.ous()) == {("saas-integrations",), ("saas-integrations", "restricted")}
    assert set(plan.accounts()) == {i.name for i in spec.integrations if i.guardrails.account}


def test_expectations_are_the_templates_scps_by_target(rich):
    spec, template = rich
    expected = expectations_for(spec, AccountLock())
    built = _by_name(template)
    restricted = sub_ou_key(["restricted"])
    assert set(expected.scps) == {DEDICATED_OU, restricted} | {
        i.name for i in spec.integrations if i.guardrails.account
    }
    for key, wanted in expected.scps.items():
        for policy in wanted:
            assert built[policy.name]["Content"] == policy.parsed(), key
    assert {p.name for p in expected.scps[restricted]} == {"airlock-ou-restricted-1"}
    assert expected.external_scps == {restricted: frozenset({"finance-baseline"})}
    assert expected.quarantine_scp is not None
    assert built[expected.quarantine_scp.name]["Content"] == expected.quarantine_scp.parsed()


def test_expected_endpoints_are_the_templates_endpoints(example, example_assembly):
    spec, _ = example
    expected = expectations_for(spec, AccountLock())
    for integration in spec.integrations:
        for region in integration.regions:
            template = example_assembly.template(f"airlock-{integration.name}-{region}")
            declared = sorted(
                r["Properties"]["ServiceName"]
                for r in template["Resources"].values()
                if r["Type"] == "AWS::EC2::VPCEndpoint"
            )
            wanted = expected.endpoints.get((integration.name, region), [])
            assert sorted(e.service_name for e in wanted) == declared
            assert all(e.security_groups_from_stack for e in wanted)
    assert expected.endpoints  # the example declares some


def test_packed_and_statements_together_are_refused():
    stack = cdk.Stack(cdk.App(), "S")
    statement = {"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    packed = pack("t", [statement], quota=ScpQuota())
    with pytest.raises(ValueError, match="give either packed policies or the statements to pack"):
        GuardrailPolicies(stack, "G", target_id="ou-1", target_name="t", statements=[statement], packed=packed)
    built = GuardrailPolicies(stack, "H", target_id="ou-1", target_name="t", packed=packed)
    assert [p.name for p in built.policies] == ["airlock-t-1"]


# --- the checks on the real expectations' keys and flags ------------------------------------

OU = {"Id": "ou-a1b2-11111111", "Arn": "arn:aws:organizations::100000000001:ou/o-x/ou-a1b2-11111111"}
DENY = {"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}


def _units(stubs, parent: str, units: list[dict]) -> None:
    stubs("organizations", MANAGEMENT).add_response(
        "list_organizational_units_for_parent", {"OrganizationalUnits": units}, {"ParentId": parent}
    )


def test_sub_ou_scps_are_found_by_name_below_the_dedicated_ou(stubs):
    _units(stubs, "r-a1b2", [{**OU, "Name": "saas-integrations"}])
    _units(stubs, OU["Id"], [{"Id": "ou-a1b2-22222222", "Name": "restricted"}])
    org = stubs("organizations", MANAGEMENT)
    org.add_response(
        "list_policies_for_target",
        {"Policies": [{"Id": "p-1", "Name": "airlock-ou-restricted-1", "Type": "SERVICE_CONTROL_POLICY"}]},
        {"TargetId": "ou-a1b2-22222222", "Filter": "SERVICE_CONTROL_POLICY"},
    )
    org.add_response("describe_policy", {"Policy": {"Content": '{"Version": "2012-10-17", "Statement": []}'}})
    key = sub_ou_key(["restricted"])
    ctx = stubs.context(expectations=Expectations(scps={key: [ExpectedPolicy("airlock-ou-restricted-1", DENY)]}))
    findings = scp.organization_scps(ctx)
    assert [(f.check_id, f.status.value, f.resource) for f in findings] == [
        ("AV-SCP-1", "drift", "ou-a1b2-22222222/airlock-ou-restricted-1"),
        ("AV-SCP-2", "ok", "ou-a1b2-22222222"),
    ]


@pytest.mark.parametrize(("declared_on", "status"), [(DEDICATED_OU, "ok"), ("crm", "drift")])
def test_declared_external_scp_is_tolerated_on_its_target_only(stubs, declared_on, status):
    _units(stubs, "r-a1b2", [{**OU, "Name": "saas-integrations"}])
    org = stubs("organizations", MANAGEMENT)
    org.add_response(
        "list_policies_for_target",
        {
            "Policies": [
                {"Id": "p-1", "Name": "airlock-ou-saas-integrations-1", "Type": "SERVICE_CONTROL_POLICY"},
                {"Id": "p-2", "Name": "finance-baseline", "Type": "SERVICE_CONTROL_POLICY"},
            ]
        },
    )
    org.add_response("describe_policy", {"Policy": {"Content": '{"Version": "2012-10-17", "Statement": []}'}})
    expected = {DEDICATED_OU: [ExpectedPolicy("airlock-ou-saas-integrations-1", {**DENY, "Statement": []})]}
    expectations = Expectations(scps=expected, external_scps={declared_on: frozenset({"finance-baseline"})})
    findings = scp.organization_scps(stubs.context(expectations=expectations))
    assert [(f.check_id, f.status.value) for f in findings] == [("AV-SCP-1", "ok"), ("AV-SCP-2", status)]


def test_missing_sub_ou_is_reported_by_its_path(stubs):
    _units(stubs, "r-a1b2", [{**OU, "Name": "saas-integrations"}])
    _units(stubs, OU["Id"], [])
    key = sub_ou_key(["restricted", "payroll-prod"])
    ctx = stubs.context(expectations=Expectations(scps={key: [ExpectedPolicy("airlock-ou-payroll-prod-1", DENY)]}))
    (finding,) = scp.organization_scps(ctx)
    assert (finding.check_id, finding.status.value) == ("AV-SCP-1", "missing")
    assert finding.resource == "r-a1b2/saas-integrations/restricted/payroll-prod"
    assert "no OU named 'restricted' under saas-integrations" in finding.message


def _endpoint_stack(groups: list[dict]):
    stack = network_stack()
    stack.resources["EndpointGroup"] = ("AWS::EC2::SecurityGroup", "sg-1")
    stack.template["Resources"]["Endpoint"] = {
        "Type": "AWS::EC2::VPCEndpoint",
        "Properties": {"ServiceName": "com.amazonaws.eu-central-1.sqs", "SecurityGroupIds": groups},
    }
    return stack


@pytest.mark.parametrize(
    ("live", "declared", "status", "words"),
    [
        (["sg-1"], [{"Fn::GetAtt": ["EndpointGroup", "GroupId"]}], "ok", "with sg-1"),
        (["sg-1", "sg-9"], [{"Fn::GetAtt": ["EndpointGroup", "GroupId"]}], "drift", "has undeclared sg-9"),
        ([], [{"Fn::GetAtt": ["EndpointGroup", "GroupId"]}], "drift", "lacks sg-1"),
    ],
)
def test_endpoint_groups_come_from_the_deployed_template(stubs, live, declared, status, words):
    stubs("ec2").add_response(
        "describe_vpc_endpoints",
        {
            "VpcEndpoints": [
                {
                    "VpcEndpointId": "vpce-1",
                    "VpcId": "vpc-1",
                    "State": "available",
                    "ServiceName": "com.amazonaws.eu-central-1.sqs",
                    "Groups": [{"GroupId": g, "GroupName": g} for g in live],
                }
            ]
        },
    )
    want = ExpectedEndpoint("com.amazonaws.eu-central-1.sqs", security_groups_from_stack=True)
    ctx = stubs.context(
        integration="crm", region=REGION, expectations=Expectations(endpoints={("crm", REGION): [want]})
    )
    (finding,) = endpoints.expected_endpoints(with_stack(ctx, _endpoint_stack(declared)))
    assert (finding.check_id, finding.status.value) == ("AV-ENDPOINT-2", status)
    assert words in finding.message


def test_endpoint_the_deployed_stack_does_not_declare_is_drift(stubs):
    stubs("ec2").add_response(
        "describe_vpc_endpoints",
        {
            "VpcEndpoints": [
                {"VpcEndpointId": "vpce-1", "VpcId": "vpc-1", "State": "available", "ServiceName": "x.kms"},
            ]
        },
    )
    want = ExpectedEndpoint("x.kms", security_groups_from_stack=True)
    ctx = stubs.context(
        integration="crm", region=REGION, expectations=Expectations(endpoints={("crm", REGION): [want]})
    )
    (finding,) = endpoints.expected_endpoints(with_stack(ctx, _endpoint_stack([])))
    assert finding.status.value == "drift"
    assert "declares no endpoint for x.kms" in finding.message


def test_another_endpoint_to_the_same_service_does_not_hide_the_declared_one(stubs):
    def endpoint(endpoint_id: str, group: str) -> dict:
        return {
            "VpcEndpointId": endpoint_id,
            "VpcId": "vpc-1",
            "State": "available",
            "ServiceName": "com.amazonaws.eu-central-1.sqs",
            "Groups": [{"GroupId": group, "GroupName": group}],
        }

    stubs("ec2").add_response(
        "describe_vpc_endpoints", {"VpcEndpoints": [endpoint("vpce-0", "sg-own"), endpoint("vpce-1", "sg-1")]}
    )
    want = ExpectedEndpoint("com.amazonaws.eu-central-1.sqs", security_groups_from_stack=True)
    ctx = stubs.context(
        integration="crm", region=REGION, expectations=Expectations(endpoints={("crm", REGION): [want]})
    )
    declared = [{"Fn::GetAtt": ["EndpointGroup", "GroupId"]}]
    (finding,) = endpoints.expected_endpoints(with_stack(ctx, _endpoint_stack(declared)))
    assert (finding.status.value, finding.resource) == ("ok", "vpce-1")


def test_guardrails_over_the_quota_are_bad_input_before_any_aws_call(tmp_path, capsys, monkeypatch):
    import yaml

    from airlock.cli import main
    from tests.specs import spec_data

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    spec = tmp_path / "landing-zone.yaml"
    spec.write_text(
        yaml.safe_dump(spec_data(**{"organization.guardrails": {"quotas": {"max_policies_per_target": 1}}}))
    )
    # Nothing listens on port 9: a call would be an error finding (exit 1), not exit 2.
    assert main(["verify", str(spec), "--endpoint-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "organization.guardrails.ou" in err
    assert "above the quota of 1 per target" in err
    assert "Traceback" not in err


def test_the_expected_vendor_roles_carry_the_shared_external_id_and_self_assumption():
    from airlock.spec import load
    from tests.conftest import RECIPES

    spec = load(RECIPES["databricks-credential-role"])
    roles = expectations_for(spec, AccountLock()).vendor_roles
    assert set(roles) == {"lake-raw", "lake-curated"}
    for role in roles.values():
        assert role.external_id == spec.organization.vendors[0].external_id
        assert role.self_assume is True
        assert role.principals == {"arn:aws:iam::414351767826:role/unity-catalog-prod-UCMasterRole-14S5ZJVKOTYTL"}
    fivetran = expectations_for(load(RECIPES["fivetran-s3-connector"]), AccountLock()).vendor_roles["elt"]
    assert fivetran.principals == {"834469178297"} and fivetran.self_assume is False


def test_expected_ou_policies_are_the_templates_declarative_and_tag_policies(example):
    spec, template = example
    expected = expectations_for(spec, AccountLock())
    built = {
        r["Properties"]["Type"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == SCP and r["Properties"]["Type"] in ("DECLARATIVE_POLICY_EC2", "TAG_POLICY")
    }
    assert set(expected.ou_policies) == set(built) == {"DECLARATIVE_POLICY_EC2", "TAG_POLICY"}
    ou = ou_logical_id(template, spec.organization.ou_name)
    for policy_type, (wanted,) in expected.ou_policies.items():
        assert built[policy_type]["Name"] == wanted.name
        assert built[policy_type]["Content"] == wanted.parsed()
        assert built[policy_type]["TargetIds"] == [{"Fn::GetAtt": [ou, "Id"]}]


def test_an_opted_out_policy_type_is_not_expected():
    from airlock.spec import validate
    from tests.specs import spec_data
    from tests.verify_stubs import make_lock

    reason = "Declarative policies are managed by the cloud centre of excellence's own pipeline."
    spec = validate(
        spec_data(**{"organization.perimeter": {"ec2_declarative_policy": False, "opt_out": {"reason": reason}}})
    )
    assert set(expectations_for(spec, make_lock()).ou_policies) == {"TAG_POLICY"}


def test_the_s3_gateway_and_interface_endpoints_are_expected_and_checked_by_type(stubs):
    from tests.specs import spec_data

    spec = validate(
        spec_data(
            **{
                "integrations.0.network": {
                    "cidr": "10.20.0.0/22",
                    "az_ids": ["euc1-az1", "euc1-az2"],
                    "service_endpoints": ["s3", "s3-interface"],
                }
            }
        )
    )
    wanted = expectations_for(spec, AccountLock()).endpoints[("crm", "eu-central-1")]
    assert [(e.service_name, e.endpoint_type) for e in wanted] == [
        ("com.amazonaws.eu-central-1.s3", "Gateway"),
        ("com.amazonaws.eu-central-1.s3", "Interface"),
    ]
    # only the gateway is deployed: the interface endpoint is missing, not hidden by the gateway
    s3 = "com.amazonaws.eu-central-1.s3"
    stubs("ec2").add_response(
        "describe_vpc_endpoints",
        {
            "VpcEndpoints": [
                {"VpcEndpointId": "vpce-g", "VpcId": "vpc-1", "State": "available", "ServiceName": s3,
                 "VpcEndpointType": "Gateway", "Groups": []},
            ]
        },
    )  # fmt: skip
    stack = network_stack()
    stack.resources["EndpointGroup"] = ("AWS::EC2::SecurityGroup", "sg-1")
    stack.template["Resources"]["Gateway"] = {
        "Type": "AWS::EC2::VPCEndpoint",
        "Properties": {"ServiceName": s3, "VpcEndpointType": "Gateway"},
    }
    stack.template["Resources"]["Interface"] = {
        "Type": "AWS::EC2::VPCEndpoint",
        "Properties": {
            "ServiceName": s3,
            "VpcEndpointType": "Interface",
            "SecurityGroupIds": [{"Fn::GetAtt": ["EndpointGroup", "GroupId"]}],
        },
    }
    expectations = Expectations(endpoints={("crm", REGION): wanted})
    ctx = stubs.context(integration="crm", region=REGION, expectations=expectations)
    gateway, interface = endpoints.expected_endpoints(with_stack(ctx, stack))
    assert (gateway.status.value, gateway.resource) == ("ok", "vpce-g")
    assert interface.status.value == "missing"
