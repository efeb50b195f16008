"""DropZone: a private, encrypted, versioned, logged bucket whose new files become queue events."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template

from airlock.constructs import DropZone, IntegrationBuffer

ACCOUNT = "123456789012"
BUCKET = "files-123456789012-eu-central-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


@pytest.fixture(scope="module")
def built():
    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account=ACCOUNT, region="eu-central-1"))
    buffer = IntegrationBuffer(stack, "Files", queue_name="files")
    zone = DropZone(
        stack,
        "DropZone",
        prefixes=["drop/a/", "drop/b/"],
        bucket_name=BUCKET,
        notify_queue=buffer.queue,
        expire_after=cdk.Duration.days(90),
    )
    return zone, buffer, Template.from_stack(stack)


def buckets(template):
    found = template.find_resources("AWS::S3::Bucket")
    zone = next(b for b in found.values() if b["Properties"].get("BucketName") == BUCKET)
    (logs,) = [b for b in found.values() if b["Properties"].get("BucketName") != BUCKET]
    return zone, logs


def bucket_policy_statements(template, bucket_logical_id):
    for policy in template.find_resources("AWS::S3::BucketPolicy").values():
        if policy["Properties"]["Bucket"] == {"Ref": bucket_logical_id}:
            return policy["Properties"]["PolicyDocument"]["Statement"]
    raise AssertionError(f"no bucket policy for {bucket_logical_id}")


def logical_id(template, bucket_name):
    for key, bucket in template.find_resources("AWS::S3::Bucket").items():
        if bucket["Properties"].get("BucketName") == bucket_name:
            return key
    raise AssertionError(bucket_name)


@pytest.mark.parametrize("which", ["zone", "logs"])
def test_buckets_are_private_versioned_and_without_acls(built, which):
    _, _, template = built
    props = dict(zip(["zone", "logs"], buckets(template), strict=True))[which]["Properties"]
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "AccessControl" not in props


def test_drop_zone_uses_its_own_rotating_key_with_bucket_keys(built):
    zone, _, template = built
    props = buckets(template)[0]["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key_id = rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0]
    assert template.to_json()["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
    assert rule["BucketKeyEnabled"] is True
    assert isinstance(zone.key, kms.Key)


def test_a_given_key_is_used_instead(bare_stack):
    stack = bare_stack()
    key = kms.Key(stack, "Mine", enable_key_rotation=True)
    zone = DropZone(stack, "Zone", prefixes=["in/"], bucket_name="mine-bucket", key=key)
    assert zone.key is key
    Template.from_stack(stack).resource_count_is("AWS::KMS::Key", 1)


def test_both_buckets_deny_requests_without_tls(built):
    _, _, template = built
    bucket_ids = list(template.find_resources("AWS::S3::Bucket"))
    assert len(bucket_ids) == 2
    for bucket_id in bucket_ids:
        statements = bucket_policy_statements(template, bucket_id)
        assert any(
            s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
        ), bucket_id


def test_writes_outside_the_declared_prefixes_are_denied(built):
    _, _, template = built
    statements = bucket_policy_statements(template, logical_id(template, BUCKET))
    (deny,) = [s for s in statements if s.get("Sid") == "DenyWritesOutsideThePrefixes"]
    assert deny["Effect"] == "Deny"
    assert deny["Action"] == "s3:PutObject"
    assert deny["Principal"] == {"AWS": "*"}
    rendered = json.dumps(deny["NotResource"])
    assert "/drop/a/*" in rendered and "/drop/b/*" in rendered


def test_lifecycle_expires_files_old_versions_and_stale_uploads(built):
    _, _, template = built
    (rule,) = buckets(template)[0]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rule["Status"] == "Enabled"


def test_access_logs_go_to_the_log_bucket_which_admits_only_this_bucket(built):
    _, _, template = built
    zone, _ = buckets(template)
    log_id = next(k for k in template.find_resources("AWS::S3::Bucket") if k != logical_id(template, BUCKET))
    assert zone["Properties"]["LoggingConfiguration"] == {
        "DestinationBucketName": {"Ref": log_id},
        "LogFilePrefix": "access-logs/",
    }
    (delivery,) = [s for s in bucket_policy_statements(template, log_id) if s.get("Sid") == "AllowAccessLogDelivery"]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Action"] == "s3:PutObject"
    assert delivery["Condition"] == {
        "ArnLike": {"aws:SourceArn": BUCKET_ARN},
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
    }


def test_new_objects_notify_the_queue_natively_per_prefix(built):
    _, _, template = built
    zone, _ = buckets(template)
    configurations = zone["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert [c["Filter"]["S3Key"]["Rules"] for c in configurations] == [
        [{"Name": "prefix", "Value": "drop/a/"}],
        [{"Name": "prefix", "Value": "drop/b/"}],
    ]
    assert {c["Event"] for c in configurations} == {"s3:ObjectCreated:*"}
    queue_id = next(
        k for k, q in template.find_resources("AWS::SQS::Queue").items() if q["Properties"]["QueueName"] == "files"
    )
    assert all(c["Queue"] == {"Fn::GetAtt": [queue_id, "Arn"]} for c in configurations)
    # No Lambda-backed notification custom resource.
    assert not template.find_resources("Custom::S3BucketNotifications")
    assert not template.find_resources("AWS::Lambda::Function")


def test_only_this_bucket_of_this_account_may_send_to_the_queue_and_use_its_key(built):
    _, _, template = built
    conditions = {"ArnEquals": {"aws:SourceArn": BUCKET_ARN}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Condition": conditions,
                            }
                        )
                    ]
                )
            }
        },
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "s3.amazonaws.com"},
                                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                                "Condition": conditions,
                            }
                        )
                    ]
                )
            }
        },
    )


def test_bucket_is_created_after_the_queue_policy_s3_tests(built):
    _, _, template = built
    resources = template.to_json()["Resources"]
    zone = resources[logical_id(template, BUCKET)]
    (policy_id,) = [
        k
        for k, r in resources.items()
        if r["Type"] == "AWS::SQS::QueuePolicy" and "s3.amazonaws.com" in json.dumps(r["Properties"]["PolicyDocument"])
    ]
    assert policy_id in zone["DependsOn"]


def test_default_bucket_name_is_unique_per_account_and_region(bare_stack):
    zone = DropZone(bare_stack(), "Zone", prefixes=["in/"])
    assert zone.bucket_name.endswith("-123456789012-eu-central-1")
    assert len(zone.bucket_name) <= 63
    assert zone.bucket_name == zone.bucket_name.lower()


def test_imported_queue_key_gets_a_warning(bare_stack):
    from aws_cdk import aws_sqs as sqs

    stack = bare_stack()
    key = kms.Key.from_key_arn(stack, "Theirs", f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/abc")
    queue = sqs.Queue(stack, "Q", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key)
    DropZone(stack, "Zone", prefixes=["in/"], bucket_name="b-bucket", notify_queue=queue)
    Annotations.from_stack(stack).has_warning("/Bare/Zone", Match.string_like_regexp("key policy cannot be changed"))


def test_grants_are_limited_to_a_declared_prefix(built, bare_stack):
    stack = bare_stack()
    zone = DropZone(stack, "Zone", prefixes=["in/vendor/"], bucket_name="b-bucket")
    role = iam.Role(stack, "Vendor", assumed_by=iam.AccountPrincipal("999999999999"))
    zone.grant_put_objects(role, "in/vendor/")
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    assert "/in/vendor/*" in json.dumps(policy)
    with pytest.raises(ValueError, match="prefix 'other/' is not a prefix of this drop zone"):
        zone.grant_put_objects(role, "other/")


def test_volume_metrics_name_the_s3_metrics(built):
    zone, _, _ = built
    assert zone.metric_put_requests().metric_name == "PutRequests"
    assert zone.metric_bytes_uploaded().metric_name == "BytesUploaded"
    assert zone.metric_number_of_objects().metric_name == "NumberOfObjects"
    assert zone.metric_put_requests().dimensions == {"BucketName": BUCKET, "FilterId": "EntireBucket"}


def test_request_metrics_are_published_for_the_dashboard(built):
    _, _, template = built
    assert buckets(template)[0]["Properties"]["MetricsConfigurations"] == [{"Id": "EntireBucket"}]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"prefixes": []}, "prefixes is empty"),
        ({"prefixes": ["drop/*"]}, r"prefixes\[0\] 'drop/\*' is not a key prefix"),
        ({"prefixes": ["/drop/"]}, "is not a key prefix"),
        ({"prefixes": ["drop/", "drop/a/"]}, r"prefixes\[1\] 'drop/a/' overlaps 'drop/'"),
        ({"prefixes": ["in/"], "bucket_name": "Has_Upper"}, "bucket_name 'Has_Upper' is not a valid S3 bucket name"),
    ],
)
def test_bad_props_raise_early_with_the_fix(bare_stack, props, message):
    with pytest.raises(ValueError, match=message):
        DropZone(bare_stack(), "Zone", **props)


def test_imported_queue_gets_a_warning(bare_stack):
    from aws_cdk import aws_sqs as sqs

    stack = bare_stack()
    queue = sqs.Queue.from_queue_arn(stack, "Q", f"arn:aws:sqs:eu-central-1:{ACCOUNT}:theirs")
    DropZone(stack, "Zone", prefixes=["in/"], bucket_name="b-bucket", notify_queue=queue)
    Annotations.from_stack(stack).has_warning("/Bare/Zone", Match.string_like_regexp("queue policy cannot be changed"))


def test_integration_stack_exposes_the_drop_zone_of_the_spec():
    from aws_cdk import aws_s3 as s3

    from airlock.spec import validate
    from airlock.stacks import IntegrationStack
    from tests.specs import spec_data

    spec = validate(
        spec_data(**{"integrations.0.drop_zone": {"prefixes": ["drop/nimbus/"], "notify_buffer": "inbound"}})
    )
    stack = IntegrationStack(
        cdk.App(),
        "Crm",
        env=cdk.Environment(account="210000000001", region="eu-central-1"),
        organization=spec.organization,
        integration=spec.integrations[0],
    )
    assert isinstance(stack.drop_zone, DropZone)
    assert isinstance(stack.drop_zone.resource, s3.Bucket)
    assert stack.drop_zone.bucket.bucket_name == "airlock-crm-210000000001-eu-central-1"
    assert stack.drop_zone.bucket.encryption_key is stack.drop_zone.key
    assert stack.drop_zone.bucket_name == "airlock-crm-210000000001-eu-central-1"
    assert stack.drop_zone.notify_queue is stack.buffers["inbound"].queue
    assert stack.drop_zone.prefixes == ("drop/nimbus/",)


def test_bucket_reference_names_the_bucket_literally_and_feeds_its_policy(bare_stack):
    stack = bare_stack()
    zone = DropZone(stack, "Zone", prefixes=["in/vendor/"], bucket_name="b-bucket")
    role = iam.Role(stack, "Vendor", assumed_by=iam.AccountPrincipal("999999999999"))
    assert zone.bucket.bucket_arn == "arn:aws:s3:::b-bucket"
    statement = iam.PolicyStatement(
        principals=[role], actions=["s3:PutObject"], resources=["arn:aws:s3:::b-bucket/in/vendor/*"]
    )
    assert zone.bucket.add_to_resource_policy(statement).statement_added
    zone.grant_put_objects(role, "in/vendor/")
    template = Template.from_stack(stack).to_json()
    policies = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"]
    zone_policy = next(p for p in policies if "DenyWritesOutsideThePrefixes" in json.dumps(p))
    assert any(
        s.get("Principal") == {"AWS": {"Fn::GetAtt": [stack.get_logical_id(role.node.default_child), "Arn"]}}
        for s in zone_policy["Properties"]["PolicyDocument"]["Statement"]
    )
    (identity,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    # The grant names the bucket by its literal ARN: no reference to the bucket resource.
    assert "arn:aws:s3:::b-bucket/in/vendor/*" in json.dumps(identity)
    assert "Bucket" not in json.dumps(identity).replace("b-bucket", "")


READER = "arn:aws:iam::300000000001:role/hr-processor"
ORG = "o-c0nt0s0fr8x"


@pytest.fixture(scope="module")
def readers():
    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account=ACCOUNT, region="eu-central-1"))
    zone = DropZone(stack, "DropZone", prefixes=["drop/a/", "drop/b/"], bucket_name=BUCKET)
    added = zone.allow_core_readers([READER], organization_id=ORG, prefixes=["drop/a/"])
    return zone, added, Template.from_stack(stack).to_json()


def test_core_readers_may_read_only_their_prefixes_and_only_as_the_named_roles_of_the_organisation(readers):
    _, _, template = readers
    (policy,) = [
        p
        for p in template["Resources"].values()
        if p["Type"] == "AWS::S3::BucketPolicy" and "DropZoneBucket" in json.dumps(p["Properties"]["Bucket"])
    ]
    (statement,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "CoreReaders"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": "arn:aws:iam::300000000001:root"}
    assert statement["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert statement["Resource"] == f"{BUCKET_ARN}/drop/a/*"
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": [READER]},
        "StringEquals": {"aws:PrincipalOrgID": ORG},
    }


def test_core_readers_may_decrypt_the_files_only_through_s3(readers):
    _, _, template = readers
    (key,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    (statement,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "CoreReaders"]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": ORG,
        "kms:ViaService": "s3.eu-central-1.amazonaws.com",
    }
    assert statement["Condition"]["ArnEquals"] == {"aws:PrincipalArn": [READER]}


@pytest.mark.parametrize(
    ("roles", "kwargs", "message"),
    [
        ([READER], {"prefixes": ["drop/c/"]}, "'drop/c/' is not a prefix of this drop zone"),
        (["arn:aws:iam::300000000001:user/x"], {}, "not a literal role ARN"),
        ([], {}, "role_arns is empty"),
        ([READER], {"organization_id": "org-1"}, "not an organization id"),
    ],
)
def test_core_readers_refuse_impossible_props(bare_stack, roles, kwargs, message):
    zone = DropZone(bare_stack(), "DropZone", prefixes=["drop/a/"], bucket_name=BUCKET)
    with pytest.raises(ValueError, match=message):
        zone.allow_core_readers(roles, **{"organization_id": ORG, **kwargs})
