"""Vendor access and core consumers as the example's integration stacks generate them."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from airlock.spec import validate
from airlock.stacks import IntegrationStack
from tests.iam_catalogue import template_actions, unknown_actions
from tests.specs import spec_data

INTEGRATION_STACKS = ["airlock-crm-eu-central-1", "airlock-payroll-eu-central-1", "airlock-events-eu-west-1"]
POLICY_DOCUMENTS = {
    "AWS::IAM::Role": ["AssumeRolePolicyDocument"],
    "AWS::IAM::Policy": ["PolicyDocument"],
    "AWS::IAM::ManagedPolicy": ["PolicyDocument"],
    "AWS::KMS::Key": ["KeyPolicy"],
    "AWS::SQS::QueuePolicy": ["PolicyDocument"],
    "AWS::S3::BucketPolicy": ["PolicyDocument"],
    "AWS::SNS::TopicPolicy": ["PolicyDocument"],
    "AWS::ApiGateway::RestApi": ["Policy"],
    "AWS::EC2::VPCEndpoint": ["PolicyDocument"],
}


def as_list(value):
    return value if isinstance(value, list) else [value]


def every_statement(template):
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        documents = [props.get(key) for key in POLICY_DOCUMENTS.get(resource["Type"], [])]
        documents += [p.get("PolicyDocument") for p in props.get("Policies", [])]
        for document in documents:
            if isinstance(document, dict):
                yield from as_list(document.get("Statement", []))


def vendor_role(assembly, stack):
    roles = assembly.resources(stack, "AWS::IAM::Role").values()
    (role,) = [r["Properties"] for r in roles if r["Properties"].get("RoleName", "").endswith("-vendor")]
    return role


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_no_statement_lets_anyone_in_without_a_condition(example_assembly, stack):
    statements = list(every_statement(example_assembly.template(stack)))
    assert statements
    for statement in statements:
        principal = statement.get("Principal")
        if statement["Effect"] == "Deny":
            continue  # a deny for everyone only narrows access (TLS only, writes only under the prefixes)
        if principal in ("*", {"AWS": "*"}) or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))):
            assert statement.get("Condition"), statement


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_every_iam_action_in_the_stack_exists(example_assembly, stack):
    actions = template_actions(example_assembly.template(stack))
    assert actions
    assert unknown_actions(actions) == []


def test_vendor_role_trusts_exactly_the_declared_principals_with_the_external_id(example_assembly, example_spec):
    for integration in ("crm", "payroll"):
        access = example_spec.integration(integration).access
        role = vendor_role(example_assembly, f"airlock-{integration}-eu-central-1")
        assert role["RoleName"] == f"airlock-{integration}-vendor"
        allows = [s for s in role["AssumeRolePolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        assume = [s for s in allows if s["Action"] == "sts:AssumeRole"]
        assert {p for s in allows for p in as_list(s["Principal"]["AWS"])} == set(access.principals)
        assert sorted(s["Principal"]["AWS"] for s in assume) == sorted(access.principals)
        for statement in assume:
            assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == access.external_id
        assert role["MaxSessionDuration"] == access.max_session_seconds
        assert "Ref" in role["PermissionsBoundary"]


def test_source_ips_and_session_tags_reach_the_trust(example_assembly):
    role = vendor_role(example_assembly, "airlock-crm-eu-central-1")
    (assume,) = [s for s in role["AssumeRolePolicyDocument"]["Statement"] if s["Action"] == "sts:AssumeRole"]
    assert assume["Condition"]["IpAddress"] == {"aws:SourceIp": ["198.51.100.0/24"]}
    assert assume["Condition"]["StringEquals"]["aws:RequestTag/customer"] == "contoso-freight"


def test_only_integrations_that_declare_access_get_a_vendor_role():
    spec = validate(spec_data())  # crm declares no access
    integration = spec.integration("crm")
    stack = IntegrationStack(
        cdk.App(),
        "Crm",
        organization=spec.organization,
        integration=integration,
        env=cdk.Environment(account="210000000001", region="eu-central-1"),
    )
    roles = Template.from_stack(stack).find_resources("AWS::IAM::Role").values()
    assert roles and not [r for r in roles if r["Properties"].get("RoleName", "").endswith("-vendor")]


def test_grants_from_the_example(example_assembly):
    def permissions(stack):
        policies = example_assembly.resources(stack, "AWS::IAM::ManagedPolicy")
        (document,) = [
            p["Properties"]["PolicyDocument"] for k, p in policies.items() if k.startswith("VendorAccessPermissions")
        ]
        # the CDK sorts actions and merges statements (@aws-cdk/aws-iam:minimizePolicies)
        return [(tuple(sorted(as_list(s["Action"]))), json.dumps(s["Resource"])) for s in document["Statement"]]

    assert permissions("airlock-crm-eu-central-1") == [
        (
            ("sqs:SendMessage",),
            json.dumps({"Fn::GetAtt": [_logical(example_assembly, "airlock-crm-eu-central-1", "crm-events"), "Arn"]}),
        ),
        (
            ("kms:Decrypt", "kms:GenerateDataKey"),
            json.dumps({"Fn::GetAtt": [_key(example_assembly, "airlock-crm-eu-central-1"), "Arn"]}),
        ),
    ]
    payroll = permissions("airlock-payroll-eu-central-1")
    # put_objects is wired once the stack has its drop zone (tests below cover it at stack level)
    assert [actions for actions, _ in payroll][-2:] == [("sqs:SendMessage",), ("kms:Decrypt", "kms:GenerateDataKey")]


def _logical(assembly, stack, buffer):
    queues = assembly.resources(stack, "AWS::SQS::Queue")
    (logical_id,) = [k for k, q in queues.items() if q["Properties"]["QueueName"] == f"airlock-crm-{buffer}"]
    return logical_id


def _key(assembly, stack):
    keys = assembly.resources(stack, "AWS::KMS::Key")
    (logical_id,) = [k for k in keys if k.startswith("Buffers")]
    return logical_id


def test_core_consumers_are_admitted_to_queue_and_key(example_assembly):
    statements = list(every_statement(example_assembly.template("airlock-payroll-eu-central-1")))
    core = [s for s in statements if s.get("Sid") == "CoreConsumers"]
    assert len(core) == 2  # queue policy and key policy
    for statement in core:
        assert statement["Principal"] == {"AWS": "arn:aws:iam::300000000001:root"}
        assert statement["Condition"]["ArnEquals"] == {
            "aws:PrincipalArn": ["arn:aws:iam::300000000001:role/hr-payroll-processor"]
        }
        assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-c0nt0s0fr8"


def test_vendor_role_arn_is_an_output(example_assembly):
    outputs = example_assembly.template("airlock-payroll-eu-central-1")["Outputs"]
    assert "VendorRoleArn" in outputs


def _access_spec(**changes):
    return validate(
        spec_data(
            **{
                "integrations.0.drop_zone": {"prefixes": ["drop/crm/"]},
                "integrations.0.access": {
                    "external_id": "nimbus-7c1f0e92-4b7d",
                    "principals": ["arn:aws:iam::900000000011:role/nimbus"],
                    "grants": [{"put_objects": "drop/crm/"}, {"send": "inbound"}],
                },
                **changes,
            }
        )
    )


def _stack(spec, integration):
    app = cdk.App(analytics_reporting=False)
    return IntegrationStack(
        app,
        "Stack",
        organization=spec.organization,
        integration=integration,
        env=cdk.Environment(account="210000000001", region="eu-central-1"),
    )


def test_put_objects_is_granted_on_the_stacks_drop_zone():
    spec = _access_spec()
    stack = _stack(spec, spec.integrations[0])
    assert stack.drop_zone is not None
    assert [grant.kind for grant in stack.vendor_access.grants] == ["put_objects", "send"]
    template = Template.from_stack(stack).to_json()
    bucket_logical_id = stack.resolve(stack.get_logical_id(stack.drop_zone.resource.node.default_child))
    (bucket_policy,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": bucket_logical_id}
    ]
    allows = [s for s in bucket_policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    (statement,) = [s for s in allows if s["Action"] == "s3:PutObject"]
    assert statement["Resource"] == f"arn:aws:s3:::{stack.drop_zone.bucket_name}/drop/crm/*"
    assert statement["Principal"]["AWS"]


def test_put_objects_without_a_drop_zone_is_not_granted_and_says_so():
    spec = _access_spec()
    stack = _stack(spec, spec.integrations[0].model_copy(update={"drop_zone": None}))
    assert getattr(stack, "drop_zone", None) is None
    assert [grant.kind for grant in stack.vendor_access.grants] == ["send"]
    warnings = [
        entry.data
        for entry in stack.vendor_access.node.metadata
        if entry.type == "aws:cdk:warning" and "no drop zone" in str(entry.data)
    ]
    assert warnings


def test_suspended_integration_denies_the_vendor():
    spec = _access_spec(**{"integrations.0.state": "suspended"})
    template = Template.from_stack(_stack(spec, spec.integrations[0])).to_json()
    (role,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == "airlock-crm-vendor"
    ]
    (deny,) = [s for s in role["AssumeRolePolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert deny["Principal"] == {"AWS": "arn:aws:iam::900000000011:role/nimbus"}
    assert "Suspended" in [p["PolicyName"] for p in role["Policies"]]
