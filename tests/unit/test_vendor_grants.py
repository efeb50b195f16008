"""VendorAccessRole's object, monitoring and self-assume grants; grants through the construct API
always reach the boundary, or are refused."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from airlock import grants
from airlock.constructs import DropZone, IntegrationBuffer, VendorAccessRole
from tests.iam_catalogue import unknown_actions

EXTERNAL_ID = "vendor-issued-7c1f0e92"
VENDOR = "arn:aws:iam::900000000022:role/uploader"
ACCOUNT = "123456789012"
BUCKET = "zone-123456789012-eu-central-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


def new_stack(account=ACCOUNT):
    app = cdk.App(analytics_reporting=False)
    return cdk.Stack(app, "Bare", env=cdk.Environment(account=account, region="eu-central-1"))


def setup(**props):
    stack = new_stack()
    role = VendorAccessRole(stack, "Vendor", role_name="vendor", external_id=EXTERNAL_ID, principals=[VENDOR], **props)
    zone = DropZone(stack, "Zone", prefixes=["in/", "out/"], bucket_name=BUCKET)
    return stack, role, zone


def documents(template):
    docs = {
        k: r["Properties"]["PolicyDocument"]["Statement"]
        for k, r in template.items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }
    (permissions,) = [s for k, s in docs.items() if k.startswith("VendorPermissions")]
    (boundary,) = [s for k, s in docs.items() if k.startswith("VendorBoundary")]
    return permissions, boundary


def by_sid(statements):
    return {s.get("Sid"): s for s in statements}


def zone_policy(template):
    (policy,) = [
        r for r in template.values() if r["Type"] == "AWS::S3::BucketPolicy" and "DenyWritesOutside" in json.dumps(r)
    ]
    return by_sid(policy["Properties"]["PolicyDocument"]["Statement"])


def resources(stack):
    return Template.from_stack(stack).to_json()["Resources"]


def key_policy(template):
    keys = [r for r in template.values() if r["Type"] == "AWS::KMS::Key"]
    return {s.get("Sid"): s for key in keys for s in key["Properties"]["KeyPolicy"]["Statement"]}


# --- read, delete, write with an ACL: one statement per resource kind, identical in the boundary ------


def test_read_objects_grants_the_objects_the_listing_of_the_prefix_the_bucket_and_the_key():
    stack, role, zone = setup()
    grant = zone.grant_read_objects(role, "in/vendor/")
    assert isinstance(grant, iam.Grant) and grant.success
    template = resources(stack)
    permissions, boundary = documents(template)
    assert boundary[1:] == permissions
    statements = by_sid(permissions)
    assert statements["ReadObjects0"]["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert statements["ReadObjects0"]["Resource"] == f"{BUCKET_ARN}/in/vendor/*"
    listing = statements["ReadObjects0List"]
    assert (listing["Action"], listing["Resource"]) == ("s3:ListBucket", BUCKET_ARN)
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["in/vendor/*"]}}
    assert (statements["ReadObjects0Bucket"]["Action"], "Condition" in statements["ReadObjects0Bucket"]) == (
        "s3:GetBucketLocation",
        False,
    )
    assert statements["ReadObjects0Key"]["Action"] == "kms:Decrypt"
    assert statements["ReadObjects0Key"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}
    }
    bucket = zone_policy(template)
    assert bucket["ReadObjects0ListVendorRole"]["Condition"] == listing["Condition"]
    assert bucket["ReadObjects0VendorRole"]["Principal"]["AWS"]["Fn::GetAtt"][1] == "Arn"
    assert key_policy(template)["ReadObjects0VendorRole"]["Action"] == "kms:Decrypt"
    (recorded,) = role.grants
    assert recorded.kind == "read_objects" and set(recorded.actions) == set(grants.READ_OBJECTS.all)


def test_delete_objects_grants_exactly_the_two_deletes_under_the_prefix_and_no_key():
    stack, role, zone = setup()
    zone.grant_delete_objects(role, "out/")
    permissions, _ = documents(resources(stack))
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in permissions] == [
        ("DeleteObjects0", ["s3:DeleteObject", "s3:DeleteObjectVersion"], f"{BUCKET_ARN}/out/*")
    ]


def test_put_objects_with_an_acl_requires_it_on_the_put_and_the_acl_call():
    stack, role, zone = setup()
    zone.grant_put_objects(role, "in/", acl="bucket-owner-full-control")
    template = resources(stack)
    permissions, _ = documents(template)
    main = by_sid(permissions)["PutObjects0"]
    assert main["Action"] == ["s3:PutObject", "s3:PutObjectAcl"]
    assert main["Condition"] == {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}
    assert zone_policy(template)["PutObjects0VendorRole"]["Condition"] == main["Condition"]


def test_put_objects_without_an_acl_requires_none_and_grants_no_acl_call():
    stack, role, zone = setup()
    zone.grant_put_objects(role, "in/")
    main = by_sid(documents(resources(stack))[0])["PutObjects0"]
    assert main["Action"] == "s3:PutObject" and "Condition" not in main


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda z, r: z.grant_read_objects(r, "elsewhere/"), "'elsewhere/' is not a prefix of this drop zone"),
        (lambda z, r: z.grant_delete_objects(r, "in"), "'in' is not a prefix of this drop zone"),
        (lambda z, r: z.grant_put_objects(r, "in/", acl="public-read"), "acl 'public-read' is not supported"),
        (lambda z, r: r.grant_read_objects(z.bucket, "in/*", z.key), "'in/\\*' is not a key prefix"),
    ],
)
def test_object_grants_refuse_what_they_cannot_grant(call, message):
    _, role, zone = setup()
    with pytest.raises(ValueError, match=message):
        call(zone, role)


# --- the boundary: every grant reaches it, or fails ---------------------------------------------------


def test_a_cdk_grant_to_the_vendor_role_lands_in_its_permissions_and_its_boundary():
    stack, role, _ = setup()
    buffer = IntegrationBuffer(stack, "Orders", queue_name="orders")
    grant = buffer.queue.grant_send_messages(role)
    assert grant.success
    permissions, boundary = documents(resources(stack))
    assert boundary[1:] == permissions
    assert {a for s in permissions for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])} >= {
        "sqs:SendMessage"
    }


def test_a_statement_added_to_the_role_itself_fails_synthesis():
    stack, role, _ = setup()
    role.role.add_to_principal_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=["*"]))
    with pytest.raises(Exception, match="statements were added to the role itself"):
        Template.from_stack(stack)


def test_a_drop_zone_grant_to_the_vendor_roles_role_is_routed_to_the_vendor_role():
    stack, role, zone = setup()
    zone.grant_read_objects(role.role, "in/")
    assert [g.kind for g in role.grants] == ["read_objects"]
    assert "DefaultPolicy" not in json.dumps(resources(stack))


def test_a_grantee_whose_boundary_the_grant_cannot_extend_is_refused():
    stack, _, zone = setup()
    theirs = iam.ManagedPolicy(
        stack, "TheirBoundary", statements=[iam.PolicyStatement(actions=["s3:*"], resources=["*"])]
    )
    bounded = iam.Role(
        stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"), permissions_boundary=theirs
    )
    with pytest.raises(ValueError, match="has a permissions boundary that this grant cannot extend"):
        zone.grant_read_objects(bounded, "in/")


def test_a_grantee_in_another_account_is_refused_with_the_core_fix():
    stack, _, zone = setup()
    other = iam.Role.from_role_arn(stack, "Core", "arn:aws:iam::300000000001:role/reader")
    with pytest.raises(ValueError, match=r"is in account 300000000001.*allow_core_access"):
        zone.grant_read_objects(other, "in/")


def test_a_plain_role_of_the_account_gets_identity_statements_for_the_prefix():
    stack, _, zone = setup()
    app_role = iam.Role(stack, "App", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    assert zone.grant_read_objects(app_role, "out/").success
    (policy,) = [r for r in resources(stack).values() if r["Type"] == "AWS::IAM::Policy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    listing = [s for s in statements if s["Action"] == "s3:ListBucket"]
    assert listing == [
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": ["out/*"]}},
            "Effect": "Allow",
            "Resource": BUCKET_ARN,
        }
    ]


# --- monitoring ----------------------------------------------------------------------------------------


def test_monitoring_grants_exactly_the_named_read_only_actions_in_this_account():
    stack, role, _ = setup()
    assert role.grant_monitoring().success
    template = resources(stack)
    permissions, boundary = documents(template)
    assert boundary[1:] == permissions
    rendered = {s["Sid"]: (s["Action"], s["Resource"]) for s in permissions}
    assert rendered["Monitoring0"] == (list(grants.MONITORING_READ_ONLY.unscoped), "*")
    scoped = {resource: actions for sid, (actions, resource) in rendered.items() if sid != "Monitoring0"}
    assert scoped == {
        f"arn:aws:cloudwatch:eu-central-1:{ACCOUNT}:alarm:*": [
            "cloudwatch:DescribeAlarms",
            "cloudwatch:DescribeAlarmHistory",
        ],
        f"arn:aws:budgets::{ACCOUNT}:budget/*": "budgets:ViewBudget",
    }
    every = [a for s in permissions for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])]
    assert all(a.split(":")[1].startswith(("Get", "List", "Describe", "View")) for a in every)
    assert unknown_actions(every) == []


def test_monitoring_refuses_an_unknown_level():
    _, role, _ = setup()
    with pytest.raises(ValueError, match="monitoring level 'full' is not known"):
        role.grant_monitoring("full")


# --- self-assumption ----------------------------------------------------------------------------------


def trust(template):
    (role,) = [
        r for r in template.values() if r["Type"] == "AWS::IAM::Role" and r["Properties"].get("RoleName") == "vendor"
    ]
    return role["Properties"]["AssumeRolePolicyDocument"]["Statement"]


def test_self_assume_trusts_the_account_narrowed_to_the_role_with_the_external_id():
    stack, _, _ = setup(self_assume=True)
    template = resources(stack)
    (statement,) = [s for s in trust(template) if s.get("Sid") == "SelfAssume"]
    role_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:role/vendor"]]}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {
        "AWS": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::{ACCOUNT}:root"]]}
    }
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": EXTERNAL_ID},
        "ArnEquals": {"aws:PrincipalArn": role_arn},
    }
    permissions, boundary = documents(template)
    deny = by_sid(boundary)["DenyRoleChaining"]
    assert deny["Effect"] == "Deny" and deny["NotResource"] == role_arn and "Resource" not in deny
    assert by_sid(permissions)["AssumeSelf"] == {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Resource": role_arn,
        "Sid": "AssumeSelf",
    }
    Annotations.from_stack(stack).has_warning("/Bare/Vendor", Match.string_like_regexp("may assume itself"))


def test_without_self_assume_the_role_trusts_no_one_of_its_account_and_chains_nowhere():
    stack, _, _ = setup()
    template = resources(stack)
    assert all("SelfAssume" != s.get("Sid") for s in trust(template))
    assert f":iam::{ACCOUNT}:root" not in json.dumps(trust(template))
    (boundary,) = [r for k, r in template.items() if k.startswith("VendorBoundary")]
    deny = by_sid(boundary["Properties"]["PolicyDocument"]["Statement"])["DenyRoleChaining"]
    assert deny["Resource"] == "*" and "NotResource" not in deny


def test_user_principals_are_trusted_by_name():
    stack = new_stack()
    VendorAccessRole(
        stack,
        "Vendor",
        role_name="vendor",
        external_id=EXTERNAL_ID,
        principals=["arn:aws:iam::900000000022:user/k7m2-s"],
    )
    (statement,) = trust(resources(stack))
    assert statement["Principal"] == {"AWS": "arn:aws:iam::900000000022:user/k7m2-s"}


def test_every_grant_table_names_real_actions():
    tables = [*grants.VENDOR_GRANTS.values(), *grants.CORE_GRANTS.values(), grants.PUT_OBJECTS_OWNER_FULL_CONTROL]
    assert unknown_actions([a for table in tables for a in table.all] + list(grants.MONITORING_READ_ONLY.all)) == []
