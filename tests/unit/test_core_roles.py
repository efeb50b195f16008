"""Core producers and the core roles on drop-zone files: both halves, intermediate and core account."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from airlock.constructs import (
    BufferProducer,
    DropZone,
    DropZoneReader,
    DropZoneWriter,
    IntegrationBuffer,
    allow_core_producers,
)

ORG = "o-c0nt0s0fr8x"
WRITER = "arn:aws:iam::300000000001:role/exporter"
READER = "arn:aws:iam::300000000002:role/reader"
BUCKET = "zone-123456789012-eu-central-1"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
QUEUE_ARN = "arn:aws:sqs:eu-central-1:220000000002:airlock-x-outbound"
KEY_ARN = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"
WHO = {"ArnEquals": {"aws:PrincipalArn": [WRITER]}, "StringEquals": {"aws:PrincipalOrgID": ORG}}


def stack_of(account="123456789012"):
    app = cdk.App(analytics_reporting=False)
    return cdk.Stack(app, "Bare", env=cdk.Environment(account=account, region="eu-central-1"))


def statements(template, type_, key):
    return [s for r in template["Resources"].values() if r["Type"] == type_ for s in r["Properties"][key]["Statement"]]


def test_core_producers_may_send_and_encrypt_through_sqs_only_as_the_named_roles():
    stack = stack_of()
    buffer = IntegrationBuffer(stack, "Outbound", queue_name="outbound")
    added = allow_core_producers(buffer.queue, buffer.key, role_arns=[WRITER], organization_id=ORG)
    template = Template.from_stack(stack).to_json()
    (queue,) = [
        s for s in statements(template, "AWS::SQS::QueuePolicy", "PolicyDocument") if s.get("Sid") == "CoreProducers"
    ]
    assert queue["Action"] == ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    assert queue["Principal"] == {"AWS": "arn:aws:iam::300000000001:root"}
    assert queue["Condition"] == WHO
    (key,) = [s for s in statements(template, "AWS::KMS::Key", "KeyPolicy") if s.get("Sid") == "CoreProducers"]
    assert key["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert key["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": ORG,
        "kms:ViaService": "sqs.eu-central-1.amazonaws.com",
    }
    assert added.key is not None


def test_core_writers_and_deleters_are_admitted_per_prefix_with_numbered_statements():
    stack = stack_of()
    zone = DropZone(stack, "Zone", prefixes=["export/", "results/"], bucket_name=BUCKET)
    write = zone.allow_core_access([WRITER], organization_id=ORG, access="write", prefixes=["export/"])
    delete = zone.allow_core_access([READER], organization_id=ORG, access="delete", prefixes=["results/"])
    again = zone.allow_core_access([READER], organization_id=ORG, access="read", prefixes=["results/"])
    more = zone.allow_core_access([WRITER], organization_id=ORG, access="read", prefixes=["export/"])
    assert delete.key is None and write.key is not None
    template = Template.from_stack(stack).to_json()
    bucket = {s.get("Sid"): s for s in statements(template, "AWS::S3::BucketPolicy", "PolicyDocument")}
    assert bucket["CoreWriters"]["Action"] == "s3:PutObject"
    assert bucket["CoreWriters"]["Resource"] == f"{BUCKET_ARN}/export/*"
    assert bucket["CoreDeleters"]["Action"] == ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    assert bucket["CoreDeleters"]["Resource"] == f"{BUCKET_ARN}/results/*"
    assert {"CoreReaders", "CoreReadersList", "CoreReaders2", "CoreReaders2List"} <= set(bucket)
    assert bucket["CoreReaders2List"]["Condition"]["StringLike"] == {"s3:prefix": ["export/*"]}
    keys = {s.get("Sid"): s for s in statements(template, "AWS::KMS::Key", "KeyPolicy")}
    assert keys["CoreWriters"]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert "CoreDeleters" not in keys
    assert (again.bucket[0].sid, more.bucket[0].sid) == ("CoreReaders", "CoreReaders2")


def test_a_core_access_kind_or_prefix_outside_the_zone_is_refused():
    zone = DropZone(stack_of(), "Zone", prefixes=["export/"], bucket_name=BUCKET)
    with pytest.raises(ValueError, match="'other/' is not a prefix of this drop zone"):
        zone.allow_core_access([WRITER], organization_id=ORG, access="write", prefixes=["other/"])
    with pytest.raises(ValueError, match="access 'admin' is not one of"):
        zone.allow_core_access([WRITER], organization_id=ORG, access="admin")  # type: ignore[arg-type]


def test_a_producer_in_a_core_account_sends_and_uses_the_key_through_sqs_only():
    stack = stack_of("300000000001")
    role = iam.Role(stack, "Exporter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    BufferProducer(stack, "Outbound", queue_arn=QUEUE_ARN, key_arn=KEY_ARN, producer=role)
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            "Effect": "Allow",
            "Resource": QUEUE_ARN,
        },
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {"StringEquals": {"kms:ViaService": "sqs.eu-central-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": KEY_ARN,
        },
    ]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"queue_arn": "https://sqs.eu-central-1.amazonaws.com/1/q"}, "not a literal SQS queue ARN"),
        (
            {"key_arn": "arn:aws:kms:eu-west-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "in the queue's account and region",
        ),
    ],
)
def test_a_producer_refuses_what_it_cannot_grant_literally(props, message):
    stack = stack_of("300000000001")
    role = iam.Role(stack, "Exporter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    with pytest.raises(ValueError, match=message):
        BufferProducer(stack, "Outbound", **{"queue_arn": QUEUE_ARN, "key_arn": KEY_ARN, "producer": role, **props})


def test_a_writer_in_a_core_account_puts_under_its_prefixes_and_encrypts_through_s3():
    stack = stack_of("300000000001")
    role = iam.Role(stack, "Exporter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    DropZoneWriter(stack, "Files", bucket_arn=BUCKET_ARN, key_arn=KEY_ARN, prefixes=["export/"], producer=role)
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": f"{BUCKET_ARN}/export/*"},
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": KEY_ARN,
        },
    ]


def test_a_reader_may_also_delete_what_it_processed():
    stack = stack_of("300000000002")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    reader = DropZoneReader(
        stack,
        "Files",
        bucket_arn=BUCKET_ARN,
        key_arn=KEY_ARN,
        prefixes=["results/"],
        consumer=role,
        delete_prefixes=["results/"],
    )
    assert reader.delete_grant is not None
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    deletes = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if "s3:DeleteObject" in json.dumps(s)]
    assert deletes == [
        {
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Effect": "Allow",
            "Resource": f"{BUCKET_ARN}/results/*",
        }
    ]
    plain = DropZoneReader(stack, "Plain", bucket_arn=BUCKET_ARN, key_arn=KEY_ARN, prefixes=["results/"], consumer=role)
    assert plain.delete_grant is None
