"""airlock redrive: which queues, which method, what happens on errors; nothing lost."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from airlock.cli import main
from airlock.operations.redrive import Redrive, RedriveError, RedriveTarget, TerminalProgress, resolve_target
from airlock.spec import AccountLock, validate
from tests.conftest import EXAMPLE_SPEC
from tests.specs import spec_data

REGION = "eu-central-1"
SOURCE_URL = "https://sqs.eu-central-1.amazonaws.com/210000000001/airlock-crm-inbound"
DLQ_URL = SOURCE_URL + "-dlq"
SOURCE_ARN = "arn:aws:sqs:eu-central-1:210000000001:airlock-crm-inbound"
DLQ_ARN = SOURCE_ARN + "-dlq"
TARGET = RedriveTarget(
    integration="crm",
    buffer="inbound",
    account="210000000001",
    region=REGION,
    source_name="airlock-crm-inbound",
    dead_letter_name="airlock-crm-inbound-dlq",
    fifo=False,
)


@pytest.fixture
def spec():
    return validate(
        spec_data(
            **{
                "integrations.0.regions": ["eu-central-1", "eu-west-1"],
                "integrations.0.network.az_ids": ["euc1-az1", "euc1-az2", "euw1-az1", "euw1-az2"],
                "integrations.0.buffers": [{"name": "inbound"}, {"name": "ordered", "fifo": True}],
            }
        )
    )


def test_target_names_the_queues_the_stacks_create(spec):
    lock = AccountLock()
    target = resolve_target(spec, lock, "crm", "ordered", "eu-west-1")
    assert (target.source_name, target.dead_letter_name) == ("airlock-crm-ordered.fifo", "airlock-crm-ordered-dlq.fifo")
    assert target.fifo and target.account == "210000000001" and target.region == "eu-west-1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "inbound", None), r"integration 'nope' is not in the spec; use one of \['crm', 'payroll'\]"),
        (("crm", "outbound", None), "buffer 'outbound' is not a buffer of integration 'crm'; use one of"),
        (("crm", "inbound", None), r"is deployed to \['eu-central-1', 'eu-west-1'\]; pass --region"),
        (("crm", "inbound", "us-east-1"), "--region 'us-east-1' is not a region of integration 'crm'"),
    ],
)
def test_bad_targets_name_the_fix(spec, args, message):
    with pytest.raises(RedriveError, match=message):
        resolve_target(spec, AccountLock(), *args)


def stubbed(visible: int = 3):
    client = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response(
        "get_queue_url",
        {"QueueUrl": SOURCE_URL},
        {"QueueName": "airlock-crm-inbound", "QueueOwnerAWSAccountId": "210000000001"},
    )
    stubber.add_response("get_queue_url", {"QueueUrl": DLQ_URL})
    stubber.add_response(
        "get_queue_attributes",
        {"Attributes": {"ApproximateNumberOfMessages": str(visible), "ApproximateNumberOfMessagesNotVisible": "1"}},
    )
    return client, stubber


def final_counts(stubber, visible: int = 0, in_flight: int = 0) -> None:
    """The DLQ's counts a run reads after it has moved what it could."""
    stubber.add_response(
        "get_queue_attributes",
        {
            "Attributes": {
                "ApproximateNumberOfMessages": str(visible),
                "ApproximateNumberOfMessagesNotVisible": str(in_flight),
            }
        },
    )


def test_move_task_is_used_where_available_and_followed_to_the_end():
    client, stubber = stubbed(visible=3)
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": SOURCE_ARN}})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}})
    stubber.add_response(
        "start_message_move_task", {"TaskHandle": "h"}, {"SourceArn": DLQ_ARN, "DestinationArn": SOURCE_ARN}
    )
    stubber.add_response(
        "list_message_move_tasks",
        {
            "Results": [
                {"Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 1, "ApproximateNumberOfMessagesToMove": 3}
            ]
        },
    )
    stubber.add_response(
        "list_message_move_tasks",
        {
            "Results": [
                {"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 3, "ApproximateNumberOfMessagesToMove": 3}
            ]
        },
    )
    final_counts(stubber)
    seen = []
    with stubber:
        result = Redrive(client, TARGET, poll_seconds=0).run(progress=lambda done, total: seen.append((done, total)))
    stubber.assert_no_pending_responses()
    assert (result.method, result.moved, result.failed, result.complete) == ("move-task", 3, 0, True)
    assert seen == [(1, 3), (3, 3)]


def test_a_failed_move_task_is_reported_with_its_reason_and_what_remains():
    client, stubber = stubbed()
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": SOURCE_ARN}})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}})
    stubber.add_response("start_message_move_task", {"TaskHandle": "h"})
    stubber.add_response(
        "list_message_move_tasks",
        {"Results": [{"Status": "FAILED", "ApproximateNumberOfMessagesMoved": 1, "FailureReason": "KMS.AccessDenied"}]},
    )
    final_counts(stubber, visible=2)
    with stubber:
        result = Redrive(client, TARGET, poll_seconds=0).run()
    assert (result.moved, result.remaining, result.complete) == (1, 2, False)
    assert result.stopped == "the move task ended FAILED: KMS.AccessDenied"


def test_move_task_explicitly_asked_for_but_unavailable_names_the_alternative():
    client, stubber = stubbed()
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": SOURCE_ARN}})
    stubber.add_response("get_queue_attributes", {"Attributes": {"QueueArn": DLQ_ARN}})
    stubber.add_client_error("start_message_move_task", service_error_code="UnsupportedOperation")
    with stubber, pytest.raises(RedriveError, match="use --method copy"):
        Redrive(client, TARGET, poll_seconds=0).run(method="move-task")


def test_dry_run_counts_and_moves_nothing():
    client, stubber = stubbed(visible=7)
    with stubber:
        result = Redrive(client, TARGET).run(dry_run=True)
    stubber.assert_no_pending_responses()  # no receive, send or move task
    assert (result.dry_run, result.waiting, result.in_flight, result.moved) == (True, 7, 1, 0)


def test_copy_deletes_only_what_the_source_accepted():
    client, stubber = stubbed(visible=2)
    messages = [
        {
            "MessageId": "m1",
            "ReceiptHandle": "r1",
            "Body": "one",
            "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
        },
        {"MessageId": "m2", "ReceiptHandle": "r2", "Body": "two"},
    ]
    stubber.add_response("receive_message", {"Messages": messages})
    stubber.add_response(
        "send_message_batch",
        {
            "Successful": [{"Id": "0", "MessageId": "n1", "MD5OfMessageBody": "x"}],
            "Failed": [{"Id": "1", "SenderFault": False, "Code": "InternalError"}],
        },
        {
            "QueueUrl": SOURCE_URL,
            "Entries": [
                {
                    "Id": "0",
                    "MessageBody": "one",
                    "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
                },
                {"Id": "1", "MessageBody": "two"},
            ],
        },
    )
    # Only the accepted copy is deleted from the DLQ; the refused one stays there.
    stubber.add_response(
        "delete_message_batch",
        {"Successful": [{"Id": "0"}], "Failed": []},
        {"QueueUrl": DLQ_URL, "Entries": [{"Id": "0", "ReceiptHandle": "r1"}]},
    )
    stubber.add_response("receive_message", {})
    stubber.add_response("receive_message", {})
    # The refused message is made visible again for the next run, and the counts are read again.
    stubber.add_response(
        "change_message_visibility_batch",
        {"Successful": [{"Id": "0"}], "Failed": []},
        {"QueueUrl": DLQ_URL, "Entries": [{"Id": "0", "ReceiptHandle": "r2", "VisibilityTimeout": 0}]},
    )
    for _ in range(3):  # the receives found the DLQ empty: the counts are read until they settle
        final_counts(stubber, visible=1)
    with stubber:
        result = Redrive(client, TARGET, poll_seconds=0).run(method="copy")
    stubber.assert_no_pending_responses()
    assert (result.method, result.moved, result.failed, result.remaining) == ("copy", 1, 1, 1), result
    assert not result.complete


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "AWS.SimpleQueueService.NonExistentQueue",
            "queue 'airlock-crm-inbound' does not exist in account 210000000001, region eu-central-1; deploy",
        ),
        ("AccessDenied", "access denied to queue 'airlock-crm-inbound' in account 210000000001"),
        (
            "InvalidClientTokenId",
            r"access denied .* \(InvalidClientTokenId\); use credentials of the intermediate account",
        ),
    ],
)
def test_errors_become_clear_messages(code, message):
    client = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_client_error("get_queue_url", service_error_code=code, http_status_code=400)
    with stubber, pytest.raises(RedriveError, match=message):
        Redrive(client, TARGET)


def test_copy_keeps_fifo_groups_and_attributes_on_moto():
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        fifo = {"FifoQueue": "true"}
        dlq = sqs.create_queue(QueueName="airlock-crm-ordered-dlq.fifo", Attributes=fifo)["QueueUrl"]
        source = sqs.create_queue(QueueName="airlock-crm-ordered.fifo", Attributes=fifo)["QueueUrl"]
        for n in range(25):
            sqs.send_message(
                QueueUrl=dlq,
                MessageBody=f"event-{n}",
                MessageGroupId=f"shipment-{n % 3}",
                MessageDeduplicationId=f"d{n}",
                MessageAttributes={"source": {"DataType": "String", "StringValue": "pulsewire"}},
            )
        target = RedriveTarget(
            "crm", "ordered", None, REGION, "airlock-crm-ordered.fifo", "airlock-crm-ordered-dlq.fifo", True
        )
        result = Redrive(sqs, target).run(method="copy")
        assert (result.method, result.moved, result.failed, result.complete) == ("copy", 25, 0, True)
        assert sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
            "ApproximateNumberOfMessages": "0"
        }
        received = []
        while messages := sqs.receive_message(
            QueueUrl=source,
            MaxNumberOfMessages=10,
            MessageSystemAttributeNames=["MessageGroupId"],
            MessageAttributeNames=["All"],
        ).get("Messages", []):
            received += messages
            for message in messages:
                sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
        assert sorted(m["Body"] for m in received) == sorted(f"event-{n}" for n in range(25))
        assert {m["Body"]: m["Attributes"]["MessageGroupId"] for m in received}["event-4"] == "shipment-1"
        assert all(m["MessageAttributes"]["source"]["StringValue"] == "pulsewire" for m in received)


def test_progress_is_drawn_on_a_terminal_only():
    class Stream:
        def __init__(self, tty):
            self.tty, self.text = tty, ""

        def isatty(self):
            return self.tty

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    terminal, pipe = Stream(True), Stream(False)
    for stream in (terminal, pipe):
        progress = TerminalProgress(stream, width=10)
        progress(5, 10)
        progress.close()
    assert terminal.text == "\r  [#####-----] 5/10 messages\n"
    assert pipe.text == ""


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["payroll", "nope"], "buffer 'nope' is not a buffer of integration 'payroll'; use one of ['payroll-files']"),
        (["payroll", "payroll-files"], "no AWS credentials found; pass --profile"),
        (["payroll", "payroll-files", "--profile", "missing"], "The config profile (missing) could not be found"),
        (["payroll", "payroll-files", "--region", "eu-west-1"], "--region 'eu-west-1' is not a region of integration"),
    ],
)
def test_cli_bad_input_exits_2_without_traceback(no_credentials, capsys, argv, message):
    assert main(["redrive", str(EXAMPLE_SPEC), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_rejects_a_non_positive_limit(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["redrive", str(EXAMPLE_SPEC), "payroll", "payroll-files", "--max-messages", "0"])
    assert caught.value.code == 2
    assert "'0' is not a positive whole number" in capsys.readouterr().err


def test_an_empty_dead_letter_queue_moves_nothing_and_starts_no_task():
    client = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response("get_queue_url", {"QueueUrl": SOURCE_URL})
    stubber.add_response("get_queue_url", {"QueueUrl": DLQ_URL})
    stubber.add_response(
        "get_queue_attributes",
        {"Attributes": {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}},
    )
    with stubber:
        result = Redrive(client, TARGET).run()
    stubber.assert_no_pending_responses()  # no move task, no receive
    assert result.moved == 0
