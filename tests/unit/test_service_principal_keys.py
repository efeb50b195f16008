"""Key policies for AWS services that encrypt on an integration's behalf match what those services send.

Two services write to airlock's encrypted resources: S3 delivers drop-zone events to an
SSE-KMS queue, CloudWatch delivers alarms to an encrypted SNS topic. The key must let the
service use it (AWS documents the actions), and only for the requests it makes for this
integration: the key statement carries the condition keys the service puts in its request,
the same ones its queue or topic statement checks. AWS KMS recommends exactly that for
service principals: "we recommend using AWS KMS encryption context condition keys and the
global source ARN or source account condition keys"
(https://docs.aws.amazon.com/kms/latest/developerguide/least-privilege.html).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk.assertions import Template

from airlock.constructs import DropZone, IntegrationBuffer, IntegrationMonitoring

ACCOUNT = "123456789012"
REGION = "eu-central-1"
BUCKET = f"files-{ACCOUNT}-{REGION}"


def _stack() -> cdk.Stack:
    from airlock.stacks import new_app  # airlock's feature flags: literal ARNs, as the stacks write them

    return cdk.Stack(new_app(), "Bare", env=cdk.Environment(account=ACCOUNT, region=REGION))


def _statements(template: Template, type_: str, key: str, service: str) -> list[dict]:
    found = []
    for resource in template.find_resources(type_).values():
        for statement in resource["Properties"][key]["Statement"]:
            if statement.get("Principal") == {"Service": service}:
                found.append(statement)
    return found


def _as_list(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def test_s3_may_encrypt_drop_zone_events_only_for_this_bucket_of_this_account():
    """S3 User Guide, "Granting permissions to publish event notification messages to a destination"
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html):
    the key of an SSE-KMS destination queue allows s3.amazonaws.com kms:GenerateDataKey and
    kms:Decrypt; S3's requests carry aws:SourceArn (the bucket) and aws:SourceAccount (its owner),
    which the queue policy there checks."""
    stack = _stack()
    buffer = IntegrationBuffer(stack, "Files", queue_name="files")
    DropZone(stack, "DropZone", prefixes=["drop/a/"], bucket_name=BUCKET, notify_queue=buffer.queue)
    template = Template.from_stack(stack)
    (queue_statement,) = _statements(template, "AWS::SQS::QueuePolicy", "PolicyDocument", "s3.amazonaws.com")
    (key_statement,) = _statements(template, "AWS::KMS::Key", "KeyPolicy", "s3.amazonaws.com")
    assert sorted(_as_list(key_statement["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey"]
    sent = {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{BUCKET}"}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}
    assert queue_statement["Condition"] == sent
    assert key_statement["Condition"] == sent


def test_cloudwatch_may_encrypt_only_alarms_of_this_account_and_region():
    """SNS Developer Guide, "Enable compatibility between event sources from AWS services and
    encrypted topics" (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
    cloudwatch.amazonaws.com needs kms:Decrypt and kms:GenerateDataKey* on the topic's key.
    CloudWatch publishes an alarm with aws:SourceArn (the alarm's ARN) and aws:SourceAccount
    (AWS re:Post, "Why didn't I receive an SNS notification for my CloudWatch alarm trigger?",
    https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger), which the topic
    policy checks; the key statement checks the same, so nothing else of CloudWatch in this
    account (another feature, another region's alarms) can use the key."""
    stack = _stack()
    buffer = IntegrationBuffer(stack, "Orders", queue_name="orders")
    IntegrationMonitoring(stack, "Monitoring", dashboard_name="orders", buffers={"orders": buffer})
    template = Template.from_stack(stack)
    (topic_statement,) = _statements(template, "AWS::SNS::TopicPolicy", "PolicyDocument", "cloudwatch.amazonaws.com")
    (key_statement,) = _statements(template, "AWS::KMS::Key", "KeyPolicy", "cloudwatch.amazonaws.com")
    assert sorted(_as_list(key_statement["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    sent = {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"},
    }
    assert topic_statement["Condition"] == sent
    assert key_statement["Condition"] == sent
