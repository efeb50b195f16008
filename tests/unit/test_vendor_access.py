"""VendorAccessRole: trust, external ID, boundary, session length, sensitive deny and grants."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from airlock.constructs import IntegrationBuffer, VendorAccessRole
from airlock.constructs.vendor_access import (
    CHAINING_ACTIONS,
    CONSUME_ACTIONS,
    CONSUME_KEY_ACTIONS,
    INVOKE_API_ACTIONS,
    PUT_OBJECT_ACTIONS,
    PUT_OBJECT_KEY_ACTIONS,
    SEND_ACTIONS,
    SEND_KEY_ACTIONS,
    SENSITIVE_ACTIONS,
)
from tests.iam_catalogue import unknown_actions

EXTERNAL_ID = "vendor-issued-7c1f0e92"
VENDOR_ROLE = "arn:aws:iam::900000000022:role/uploader"


def as_list(value):
    return value if isinstance(value, list) else [value]


def new_stack():
    app = cdk.App(analytics_reporting=False)
    return cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))


def only(template, type_):
    (resource,) = template.find_resources(type_).values()
    return resource["Properties"]


def role_props(template):
    found = [r["Properties"] for r in template.find_resources("AWS::IAM::Role").values()]
    (props,) = [p for p in found if p.get("RoleName") == "vendor"]
    return props


def trust(template):
    return role_props(template)["AssumeRolePolicyDocument"]["Statement"]


def build(**props):
    stack = new_stack()
    role = VendorAccessRole(stack, "Vendor", role_name="vendor", **{"external_id": EXTERNAL_ID, **props})
    return stack, role


@pytest.fixture(scope="module")
def plain():
    stack, role = build(principals=[VENDOR_ROLE, "arn:aws:iam::900000000022:role/second"])
    return role, Template.from_stack(stack)


def test_trust_names_only_the_given_principals(plain):
    _, template = plain
    principals = sorted(p for s in trust(template) for p in as_list(s["Principal"]["AWS"]))
    assert principals == ["arn:aws:iam::900000000022:role/second", VENDOR_ROLE]


def test_every_assume_role_requires_the_external_id(plain):
    _, template = plain
    statements = [s for s in trust(template) if s["Effect"] == "Allow"]
    assert statements
    for statement in statements:
        assert statement["Action"] == "sts:AssumeRole"
        assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == EXTERNAL_ID


def test_no_session_tags_means_no_tag_session(plain):
    _, template = plain
    assert all("sts:TagSession" not in as_list(s["Action"]) for s in trust(template))


def test_a_whole_account_is_trusted_only_when_declared():
    stack, _ = build(trusted_accounts=["900000000033"])
    statements = trust(Template.from_stack(stack))
    assert [s["Principal"]["AWS"] for s in statements] == ["arn:aws:iam::900000000033:root"]
    assert statements[0]["Condition"]["StringEquals"]["sts:ExternalId"] == EXTERNAL_ID


def warnings_of(role):
    return [str(e.data) for e in role.node.metadata if e.type == "aws:cdk:warning"]


def test_weaker_settings_are_flagged_with_a_warning(plain):
    role, _ = plain
    assert warnings_of(role) == []
    _, wide = build(trusted_accounts=["900000000033"], max_session_duration=cdk.Duration.hours(2))
    found = warnings_of(wide)
    assert any("trusts every principal of ['900000000033']" in w for w in found)
    assert any("sessions last up to 7200 s" in w for w in found)


def test_source_ips_and_session_tags_are_required_on_assume():
    stack, _ = build(principals=[VENDOR_ROLE], source_ips=["198.51.100.0/24"], session_tags={"customer": "contoso"})
    statements = trust(Template.from_stack(stack))
    (assume,) = [s for s in statements if s["Action"] == "sts:AssumeRole"]
    assert assume["Condition"]["IpAddress"] == {"aws:SourceIp": ["198.51.100.0/24"]}
    assert assume["Condition"]["StringEquals"]["aws:RequestTag/customer"] == "contoso"
    (tag,) = [s for s in statements if s["Action"] == "sts:TagSession"]
    assert tag["Principal"]["AWS"] == VENDOR_ROLE
    assert tag["Condition"]["ForAllValues:StringEquals"] == {"aws:TagKeys": ["customer"]}
    assert tag["Condition"]["StringEquals"] == {"aws:RequestTag/customer": "contoso"}
    assert tag["Condition"]["IpAddress"] == {"aws:SourceIp": ["198.51.100.0/24"]}


def test_sessions_last_one_hour_by_default(plain):
    _, template = plain
    assert role_props(template)["MaxSessionDuration"] == 3600


def test_session_duration_is_respected():
    stack, _ = build(principals=[VENDOR_ROLE], max_session_duration=cdk.Duration.hours(4))
    assert role_props(Template.from_stack(stack))["MaxSessionDuration"] == 4 * 3600


def test_boundary_is_attached_and_forbids_chaining(plain):
    role, template = plain
    boundary_id = next(iter(template.find_resources("AWS::IAM::ManagedPolicy")))
    assert role_props(template)["PermissionsBoundary"] == {"Ref": boundary_id}
    (statement,) = only(template, "AWS::IAM::ManagedPolicy")["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert as_list(statement["Action"]) == list(CHAINING_ACTIONS)
    assert role.permissions is None  # no grant, no permissions


def test_sensitive_actions_are_denied_inside_the_role(plain):
    _, template = plain
    (policy,) = role_props(template)["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Resource"] == "*"
    assert set(statement["Action"]) == set(SENSITIVE_ACTIONS)
    for required in ("iam:*", "iam:PassRole", "organizations:*", "cloudtrail:*", "kms:PutKeyPolicy"):
        assert required in statement["Action"]


def test_suspended_turns_the_trust_into_a_deny_and_cuts_existing_sessions():
    stack, _ = build(principals=[VENDOR_ROLE], suspended=True)
    template = Template.from_stack(stack)
    (deny,) = [s for s in trust(template) if s["Effect"] == "Deny"]
    assert deny["Principal"]["AWS"] == VENDOR_ROLE
    assert {"sts:AssumeRole", "sts:TagSession"} <= set(deny["Action"])
    assert "Condition" not in deny
    policies = {p["PolicyName"]: p["PolicyDocument"]["Statement"] for p in role_props(template)["Policies"]}
    assert policies["Suspended"] == [{"Action": "*", "Effect": "Deny", "Resource": "*", "Sid": "Suspended"}]


def test_active_role_has_no_suspension(plain):
    _, template = plain
    assert all(s["Effect"] == "Allow" for s in trust(template))
    assert [p["PolicyName"] for p in role_props(template)["Policies"]] == ["DenySensitiveActions"]


# --- grants: each kind produces exactly these actions and resources --------------------------


def _send(stack, role):
    buffer = IntegrationBuffer(stack, "Buffer", queue_name="orders")
    return role.grant_send_messages(buffer.queue, buffer.key), {
        "queue": ("Buffer", SEND_ACTIONS),
        "key": ("Buffer", SEND_KEY_ACTIONS),
    }


def _consume(stack, role):
    buffer = IntegrationBuffer(stack, "Buffer", queue_name="orders")
    return role.grant_consume_messages(buffer.queue, buffer.key), {
        "queue": ("Buffer", CONSUME_ACTIONS),
        "key": ("Buffer", CONSUME_KEY_ACTIONS),
    }


def _put_objects(stack, role):
    key = kms.Key(stack, "DropKey", enable_key_rotation=True)
    bucket = s3.Bucket(stack, "Drop", encryption_key=key, enforce_ssl=True)
    return role.grant_put_objects(bucket, "drop/vendor/", key), {
        "object": ("Drop", PUT_OBJECT_ACTIONS),
        "key": ("DropKey", PUT_OBJECT_KEY_ACTIONS),
    }


def _invoke_api(stack, role):
    api = apigateway.RestApi(stack, "Api", deploy=False)
    api.root.add_resource("orders").add_method("POST")
    return role.grant_invoke_api(api, method="POST", path="/orders", stage="prod"), {"api": ("Api", INVOKE_API_ACTIONS)}


GRANTS = {"send": _send, "consume": _consume, "put_objects": _put_objects, "invoke_api": _invoke_api}
#: The resource each kind's main statement names, as the template renders it.
RESOURCE_SUFFIX = {"put_objects": "/drop/vendor/*", "invoke_api": "/prod/POST/orders"}


@pytest.fixture(scope="module", params=sorted(GRANTS))
def granted(request):
    stack, role = build(principals=[VENDOR_ROLE])
    returned, expected = GRANTS[request.param](stack, role)
    assert isinstance(returned, iam.Grant) and returned.success
    (grant,) = role.grants
    assert grant.grant is returned
    return request.param, grant, expected, Template.from_stack(stack).to_json()


def _statements(template, type_, document_key):
    return [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == type_
        for statement in resource["Properties"][document_key]["Statement"]
    ]


def _permissions(template):
    docs = {
        logical_id: r["Properties"]["PolicyDocument"]["Statement"]
        for logical_id, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }
    (permissions,) = [s for logical_id, s in docs.items() if logical_id.startswith("VendorPermissions")]
    (boundary,) = [s for logical_id, s in docs.items() if logical_id.startswith("VendorBoundary")]
    return permissions, boundary


def test_grant_gives_exactly_the_expected_actions_and_resources(granted):
    kind, grant, expected, template = granted
    permissions, _ = _permissions(template)
    assert grant.kind == kind
    rendered = [(tuple(as_list(s["Action"])), json.dumps(s["Resource"])) for s in permissions]
    assert [actions for actions, _ in rendered] == [actions for _, actions in expected.values()]
    for (_, resource), (logical_prefix, _) in zip(rendered, expected.values(), strict=True):
        assert f'"{logical_prefix}' in resource, (resource, logical_prefix)
        assert "*" not in resource or resource.endswith(f'{RESOURCE_SUFFIX.get(kind, "")}"]]}}')
    assert all(s["Effect"] == "Allow" for s in permissions)
    if kind in RESOURCE_SUFFIX:
        assert rendered[0][1].endswith(f'{RESOURCE_SUFFIX[kind]}"]]}}')


def test_boundary_allows_exactly_what_was_granted(granted):
    _, _, _, template = granted
    permissions, boundary = _permissions(template)
    assert boundary[0]["Sid"] == "DenyRoleChaining"
    assert boundary[1:] == permissions


def test_key_use_is_limited_to_the_service(granted):
    kind, _, _, template = granted
    permissions, _ = _permissions(template)
    key_statements = [s for s in permissions if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    service = {"send": "sqs", "consume": "sqs", "put_objects": "s3"}.get(kind)
    if service is None:
        assert key_statements == []
        return
    (statement,) = key_statements
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": f"{service}.eu-central-1.amazonaws.com"}}


def test_grant_adds_the_matching_resource_policy_statements(granted):
    kind, grant, expected, template = granted
    sid = _permissions(template)[0][0]["Sid"]
    resource_types = {
        "send": ["AWS::SQS::QueuePolicy", "AWS::KMS::Key"],
        "consume": ["AWS::SQS::QueuePolicy", "AWS::KMS::Key"],
        "put_objects": ["AWS::S3::BucketPolicy", "AWS::KMS::Key"],
        "invoke_api": ["AWS::ApiGateway::RestApi"],
    }[kind]
    actions = [a for _, group in expected.values() for a in group]
    for type_ in resource_types:
        key = {"AWS::SQS::QueuePolicy": "PolicyDocument", "AWS::S3::BucketPolicy": "PolicyDocument"}.get(
            type_, "KeyPolicy" if type_ == "AWS::KMS::Key" else "Policy"
        )
        found = [s for s in _statements(template, type_, key) if s.get("Sid") == f"{sid}VendorRole"]
        assert len(found) == 1, (type_, found)
        (statement,) = found
        assert statement["Effect"] == "Allow"
        assert set(as_list(statement["Action"])) <= set(actions)
        if type_ in ("AWS::KMS::Key", "AWS::ApiGateway::RestApi"):
            # the account, narrowed to the role by ARN (the key must not depend on the role)
            assert json.dumps(statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]).endswith(':role/vendor"]]}')
            assert type_ != "AWS::KMS::Key" or "kms:ViaService" in statement["Condition"]["StringEquals"]
        else:
            assert statement["Principal"]["AWS"]["Fn::GetAtt"][1] == "Arn"
    assert (
        set(grant.resource_statements)
        == {
            "send": {"queue", "key"},
            "consume": {"queue", "key"},
            "put_objects": {"bucket", "key"},
            "invoke_api": {"api"},
        }[kind]
    )


def test_every_action_the_construct_can_write_exists():
    every = (
        SENSITIVE_ACTIONS
        + CHAINING_ACTIONS
        + SEND_ACTIONS
        + SEND_KEY_ACTIONS
        + CONSUME_ACTIONS
        + CONSUME_KEY_ACTIONS
        + PUT_OBJECT_ACTIONS
        + PUT_OBJECT_KEY_ACTIONS
        + INVOKE_API_ACTIONS
    )
    assert unknown_actions(every) == []


def test_the_catalogue_check_catches_a_misspelled_action():
    assert unknown_actions(["sqs:SendMessages", "kms:GenerateDataKey", "sqs:Send*"]) == ["sqs:SendMessages"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"external_id": "x"}, "external_id of 1 characters"),
        ({"external_id": "a" * 1225}, "external_id of 1225 characters"),
        ({"external_id": "has spaces in it!"}, r"contains \[. ., .!.\] and is not one AWS accepts"),
        ({"principals": ["*"]}, "principal '\\*' is not a literal IAM role"),
        ({"principals": ["arn:aws:iam::*:role/x"]}, "is not a literal IAM role"),
        ({"principals": []}, "principals and trusted_accounts are both empty"),
        ({"trusted_accounts": ["12345"]}, "is not a 12-digit account id"),
        ({"session_tags": {"aws:team": "x"}}, "session_tags key 'aws:team' is not a tag key"),
        ({"source_ips": ["0.0.0.0/0"]}, "is every address"),
        ({"source_ips": ["300.1.1.0/24"]}, "is not a CIDR"),
        ({"max_session_duration": cdk.Duration.minutes(30)}, "1800 s is outside 3600-43200"),
        ({"max_session_duration": cdk.Duration.hours(13)}, "46800 s is outside 3600-43200"),
    ],
)
def test_bad_props_raise_early_with_the_fix(props, message):
    with pytest.raises(ValueError, match=message):
        VendorAccessRole(new_stack(), "Vendor", **{"external_id": EXTERNAL_ID, "principals": [VENDOR_ROLE], **props})


@pytest.mark.parametrize("prefix", ["drop/*", "/drop/", "drop", "drop//x/"])
def test_put_objects_needs_a_plain_prefix(prefix):
    stack, role = build(principals=[VENDOR_ROLE])
    with pytest.raises(ValueError, match="is not a key prefix"):
        role.grant_put_objects(s3.Bucket(stack, "B"), prefix)


def test_grantee_is_a_role_that_application_code_can_use(plain):
    role, _ = plain
    assert isinstance(role.role, iam.Role)
    assert role.role_name == "vendor"


def test_source_ips_hold_for_the_whole_session_not_only_at_assume_role():
    """aws:SourceIp in the trust is checked at AssumeRole only; the boundary denies every other call
    from elsewhere. The shape is AWS's "Denies access to AWS based on the source IP"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-ip.html):
    NotIpAddress with aws:ViaAWSService false, so that calls an AWS service makes on the vendor's
    behalf (SQS calling KMS for an encrypted queue) are not refused for the service's address."""
    stack, role = build(principals=[VENDOR_ROLE], source_ips=["198.51.100.0/24", "203.0.113.7/32"])
    queue = IntegrationBuffer(stack, "Orders", queue_name="orders", consumer_timeout=cdk.Duration.seconds(30))
    role.grant_send_messages(queue.queue, queue.key)
    template = Template.from_stack(stack)
    boundary_id = role_props(template)["PermissionsBoundary"]["Ref"]
    statements = template.to_json()["Resources"][boundary_id]["Properties"]["PolicyDocument"]["Statement"]
    (deny,) = [s for s in statements if s.get("Sid") == "DenyOutsideSourceIps"]
    assert deny["Effect"] == "Deny"
    # Every action: the one left out is sts:GetCallerIdentity, which no deny can refuse
    # (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
    assert deny["NotAction"] == "sts:GetCallerIdentity" and deny["Resource"] == "*"
    assert "Action" not in deny
    assert deny["Condition"] == {
        "NotIpAddress": {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.7/32"]},
        "Bool": {"aws:ViaAWSService": "false"},
    }
    # The grants still reach the boundary after it.
    assert any(s.get("Sid", "").startswith("Send") for s in statements)


def test_without_source_ips_the_boundary_has_no_network_condition(plain):
    _, template = plain
    statements = only(template, "AWS::IAM::ManagedPolicy")["PolicyDocument"]["Statement"]
    assert "NotIpAddress" not in json.dumps(statements)
