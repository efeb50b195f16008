"""Nothing is lost: dead letters, redrive and drop-zone events, end to end on the emulator.

The example's payroll integration is deployed into the emulator (the ``deployed_example``
fixture) and driven with boto3 over HTTP, as a vendor, a failing core consumer, an operator
running ``airlock redrive`` and a good core consumer would drive it.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import unquote_plus

import boto3
import pytest

from airlock.cli import main
from tests.conftest import EXAMPLE_SPEC
from tests.integration.fast_sqs import fast_sqs

pytestmark = pytest.mark.integration

STACK = "airlock-payroll-eu-central-1"
SOURCE = "airlock-payroll-payroll-files"
DEAD_LETTERS = "airlock-payroll-payroll-files-dlq"
MESSAGES = 1000


@pytest.fixture(scope="module", autouse=True)
def _fast_sqs():
    with fast_sqs():
        yield


@pytest.fixture
def payroll(emulator, deployed_example):
    summary, stack = deployed_example[STACK]
    sqs = emulator.client("sqs", summary.account, summary.region)
    source = emulator.outputs(stack)["payrollfilesQueueUrl"]
    dead_letters = sqs.get_queue_url(QueueName=DEAD_LETTERS)["QueueUrl"]
    return summary, stack, sqs, source, dead_letters


@pytest.fixture
def account_credentials(emulator, payroll, monkeypatch):
    """Credentials of the intermediate account in the environment, as `airlock redrive` finds them."""
    summary = payroll[0]
    credentials = emulator.session(summary.account, summary.region).get_credentials().get_frozen_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)


def depth(sqs, url) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def receive(sqs, url, **kwargs) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, **kwargs).get("Messages", [])


def test_a_thousand_messages_survive_a_failing_consumer_and_come_back_once(
    emulator, example_spec, payroll, account_credentials, capsys
):
    _, _, sqs, source, dead_letters = payroll
    max_receive_count = json.loads(
        sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    )["maxReceiveCount"]
    assert int(max_receive_count) == 3  # from the example spec

    # The SaaS side sends 1,000 messages, through the vendor's role (assumed from the vendor's
    # account with its external id) where the stack has one. moto does not evaluate trust or
    # permission policies; the template tests of the vendor role cover those.
    vendor = vendor_sqs(emulator, example_spec, payroll[0], payroll[1]) or sqs
    expected = {json.dumps({"payslip": n}) for n in range(MESSAGES)}
    bodies = sorted(expected)
    for start in range(0, MESSAGES, 10):
        batch = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        assert not vendor.send_message_batch(QueueUrl=source, Entries=batch).get("Failed")
    assert depth(sqs, source) == (MESSAGES, 0)

    # A core consumer that fails every message: it never deletes, and lets each message
    # become visible again at once, until SQS moves it to the DLQ after maxReceiveCount.
    received = Counter()
    while messages := receive(sqs, source, VisibilityTimeout=0):
        received.update(m["Body"] for m in messages)
    assert set(received) == expected
    assert set(received.values()) == {int(max_receive_count)}
    assert depth(sqs, source) == (0, 0)
    assert depth(sqs, dead_letters) == (MESSAGES, 0)  # all of them, none lost

    assert (
        main(
            [
                "redrive",
                str(EXAMPLE_SPEC),
                "payroll",
                "payroll-files",
                "--dry-run",
                "--endpoint-url",
                payroll_endpoint(sqs),
            ]
        )
        == 0
    )
    assert f"would move about {MESSAGES} messages from {DEAD_LETTERS} to {SOURCE}" in capsys.readouterr().out
    assert depth(sqs, dead_letters) == (MESSAGES, 0)  # a dry run moves nothing

    assert (
        main(["redrive", str(EXAMPLE_SPEC), "payroll", "payroll-files", "--endpoint-url", payroll_endpoint(sqs)]) == 0
    )
    out = capsys.readouterr().out
    # The emulator has no StartMessageMoveTask, so `auto` falls back to receive/send/delete.
    assert f"moved {MESSAGES} messages from {DEAD_LETTERS} to {SOURCE} (copy)" in out
    assert depth(sqs, dead_letters) == (0, 0)
    assert depth(sqs, source) == (MESSAGES, 0)

    # A good consumer processes each message and deletes it: every message exactly once.
    consumed = Counter()
    while messages := receive(sqs, source):
        consumed.update(m["Body"] for m in messages)
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        assert not sqs.delete_message_batch(QueueUrl=source, Entries=entries).get("Failed")
    assert set(consumed) == expected
    assert set(consumed.values()) == {1}
    assert depth(sqs, source) == (0, 0)


def vendor_sqs(emulator, spec, summary, stack):
    """An SQS client with the vendor's session on its role, or None when the stack has no vendor role."""
    role_arn = emulator.outputs(stack).get("VendorRoleArn")
    if role_arn is None:
        return None
    integration = spec.integration("payroll")
    sts = emulator.client("sts", integration.vendor.account_ids[0], summary.region)
    credentials = sts.assume_role(
        RoleArn=role_arn, RoleSessionName="ledgerly", ExternalId=integration.access.external_id
    )["Credentials"]
    assert credentials["AccessKeyId"]
    return boto3.client(
        "sqs",
        endpoint_url=emulator.endpoint,
        region_name=summary.region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def payroll_endpoint(sqs) -> str:
    return sqs.meta.endpoint_url


def test_redrive_of_a_queue_that_is_not_deployed_exits_2_without_traceback(
    emulator, deployed_example, account_credentials, capsys
):
    # crm's buffer lives in another account: with payroll's credentials, there is no such queue.
    code = main(["redrive", str(EXAMPLE_SPEC), "crm", "crm-events", "--endpoint-url", emulator.endpoint])
    err = capsys.readouterr().err
    assert code == 2
    assert "queue 'airlock-crm-crm-events' does not exist in account 210000000001" in err, err
    assert "Traceback" not in err


def test_each_file_dropped_produces_one_queue_message(emulator, payroll, example_assembly):
    summary, stack, sqs, source, _ = payroll
    s3 = emulator.client("s3", summary.account, summary.region)
    bucket = emulator.outputs(stack)["DropZoneBucketName"]
    assert bucket == f"airlock-payroll-{summary.account}-{summary.region}"

    template_bucket = next(
        r
        for r in example_assembly.resources(STACK, "AWS::S3::Bucket").values()
        if r["Properties"].get("BucketName") == bucket
    )
    (configuration,) = template_bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    if not s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations"):
        # moto 5.2's CloudFormation creates the bucket but ignores its NotificationConfiguration
        # (FakeBucket.create_from_cloudformation_json reads only encryption and tags). The
        # smallest honest substitute: apply exactly the template's configuration through the
        # S3 API, with the deployed queue's ARN where the template has Fn::GetAtt.
        queue_arn = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        rules = configuration["Filter"]["S3Key"]["Rules"]
        s3.put_bucket_notification_configuration(
            Bucket=bucket,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": queue_arn,
                        "Events": [configuration["Event"]],
                        "Filter": {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}},
                    }
                ]
            },
        )
        # S3 announces a new configuration with one s3:TestEvent; a consumer skips it.
        (test_event,) = receive(sqs, source)
        assert json.loads(test_event["Body"])["Event"] == "s3:TestEvent"
        sqs.delete_message(QueueUrl=source, ReceiptHandle=test_event["ReceiptHandle"])

    keys = [f"drop/ledgerly/2026-11/payroll-{n}.csv" for n in range(3)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"employee,amount\n")
    events = []
    while messages := receive(sqs, source):
        events += messages
        for message in messages:
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
    records = [record for event in events for record in json.loads(event["Body"])["Records"]]
    assert len(events) == len(keys)
    # Keys arrive URL-encoded in S3 events; consumers decode them.
    assert sorted(unquote_plus(r["s3"]["object"]["key"]) for r in records) == keys
    assert {r["eventName"] for r in records} == {"ObjectCreated:Put"}
    assert {r["s3"]["bucket"]["name"] for r in records} == {bucket}
