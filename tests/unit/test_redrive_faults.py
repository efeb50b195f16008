"""airlock redrive when calls fail or the DLQ keeps filling: bounded, retried, and truthful.

Runs against moto's in-process SQS; a :class:`Flaky` client in front of it injects the
failures a real network and a real SQS produce (see tests/faults.py for the same over HTTP).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from botocore.parsers import ResponseParserError

from airlock.aws_calls import CallError, RetryPolicy
from airlock.operations.redrive import Redrive, RedriveTarget
from airlock.operations.redrive_copy import FIFO_DEDUPLICATION_PREFIX

moto = pytest.importorskip("moto")

REGION = "eu-central-1"
FAST = RetryPolicy(attempts=4, base_delay=0, max_delay=0)


class Flaky:
    """A boto3 SQS client that fails calls as told: ``faults[method]`` is a list of
    (exception or None) per call, None passing the call through; ``after[method]`` is
    called with the real answer and may change what happens next."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.meta = client.meta
        self.faults: dict[str, list[Exception | None]] = {}
        self.after: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {}
        self.calls: Counter[str] = Counter()
        self.sent: list[dict[str, Any]] = []

    def __getattr__(self, method: str) -> Any:
        real = getattr(self._client, method)
        if not callable(real):
            return real

        def invoke(**params: Any) -> Any:
            self.calls[method] += 1
            queued = self.faults.get(method) or []
            fault = queued.pop(0) if queued else None
            if isinstance(fault, _AfterSending):
                real(**params)
                self._record(method, params)
                raise fault.error
            if fault is not None:
                raise fault
            answer = real(**params)
            self._record(method, params)
            if method in self.after:
                self.after[method](params, answer)
            return answer

        return invoke

    def _record(self, method: str, params: dict[str, Any]) -> None:
        if method == "send_message_batch":
            self.sent.extend(params["Entries"])


class _AfterSending(Exception):
    """The request reaches SQS and is done, then the answer is lost."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def lost_answer() -> _AfterSending:
    return _AfterSending(ConnectionClosedError(endpoint_url="https://sqs.eu-central-1.amazonaws.com/"))


def throttled(code: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": "Rate exceeded"}, "ResponseMetadata": {"HTTPStatusCode": 400}},
        "ReceiveMessage",
    )


@pytest.fixture
def sqs(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def make_queues(sqs, *, fifo: bool = False, max_receive_count: int = 1) -> tuple[str, str, RedriveTarget]:
    suffix = ".fifo" if fifo else ""
    attributes = {"FifoQueue": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"airlock-crm-inbound-dlq{suffix}", Attributes=attributes)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive_policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    source = sqs.create_queue(
        QueueName=f"airlock-crm-inbound{suffix}", Attributes={**attributes, "RedrivePolicy": redrive_policy}
    )["QueueUrl"]
    target = RedriveTarget(
        "crm", "inbound", None, REGION, f"airlock-crm-inbound{suffix}", f"airlock-crm-inbound-dlq{suffix}", fifo
    )
    return source, dlq, target


def fill(sqs, url: str, count: int, *, fifo: bool = False, dedup: str = "d") -> list[str]:
    bodies = [f"message-{n}" for n in range(count)]
    for n, body in enumerate(bodies):
        extra = {"MessageGroupId": f"g{n % 2}", "MessageDeduplicationId": f"{dedup}-{n}"} if fifo else {}
        sqs.send_message(QueueUrl=url, MessageBody=body, **extra)
    return bodies


def depth(sqs, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def drain(sqs, url: str) -> list[str]:
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [m["Body"] for m in messages]
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def fail_into_dlq(sqs, source: str) -> None:
    """A consumer that fails every message once (maxReceiveCount 1): SQS moves them to the DLQ."""
    for _ in range(100):
        if depth(sqs, source) == (0, 0):
            return
        sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0)
    raise AssertionError("the source queue did not move its messages to the DLQ")


def redrive(client, target, **kwargs) -> Any:
    return Redrive(client, target, poll_seconds=0, policy=FAST).run(method="copy", **kwargs)


# --- never "done" while messages remain ---------------------------------------------------


def test_messages_held_by_another_reader_keep_the_run_from_reporting_success(sqs):
    _, dlq, target = make_queues(sqs)
    fill(sqs, dlq, 5)
    held = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=2, VisibilityTimeout=300)["Messages"]
    assert len(held) == 2
    result = redrive(sqs, target)
    assert (result.moved, result.remaining, result.remaining_in_flight) == (3, 0, 2)
    assert not result.complete


def test_a_consumer_that_keeps_failing_cannot_make_a_run_cycle_forever(sqs):
    source, dlq, target = make_queues(sqs)
    fill(sqs, dlq, 5)
    client = Flaky(sqs)

    def fails_at_once(params: dict[str, Any], _: dict[str, Any]) -> None:
        # The consumer fails each copy immediately: it lands in the DLQ again.
        if client.calls["send_message_batch"] > 50:
            raise AssertionError("the redrive cycles the same messages forever")
        for entry in params["Entries"]:
            sqs.send_message(QueueUrl=dlq, MessageBody=entry["MessageBody"])
        drain(sqs, source)

    client.after["send_message_batch"] = fails_at_once
    result = redrive(client, target)
    assert result.moved == 5  # what the DLQ held when the run started, and no more
    assert result.bound == "the limit of 5 messages"
    assert (result.remaining, result.complete) == (5, False)


def test_max_seconds_bounds_a_run(sqs):
    _, dlq, target = make_queues(sqs)
    fill(sqs, dlq, 25)
    ticks = iter(range(1000))
    run = Redrive(sqs, target, poll_seconds=0, policy=FAST, clock=lambda: next(ticks) * 10.0)
    result = run.run(method="copy", max_seconds=15)
    assert result.bound == "the time limit"
    assert 0 < result.moved < 25 and result.remaining == 25 - result.moved


# --- faults of single calls ----------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(throttled("AWS.SimpleQueueService.RequestThrottled"), id="query-protocol-throttling"),
        pytest.param(throttled("ThrottlingException"), id="json-throttling"),
        pytest.param(
            ClientError({"Error": {"Code": "InternalError"}, "ResponseMetadata": {"HTTPStatusCode": 500}}, "X"),
            id="500",
        ),
        pytest.param(ConnectionClosedError(endpoint_url="https://sqs/"), id="connection-reset"),
        pytest.param(ResponseParserError("Unable to parse response (not well-formed)"), id="unparseable"),
    ],
)
@pytest.mark.parametrize("method", ["receive_message", "send_message_batch", "delete_message_batch"])
def test_a_transient_fault_is_retried_and_the_run_completes(sqs, fault, method):
    source, dlq, target = make_queues(sqs)
    bodies = fill(sqs, dlq, 12)
    client = Flaky(sqs)
    client.faults[method] = [fault, fault]
    result = redrive(client, target)
    assert result.complete, result
    assert sorted(drain(sqs, source)) == sorted(bodies)


def test_a_call_that_keeps_failing_stops_the_run_with_what_was_done(sqs):
    source, dlq, target = make_queues(sqs)
    fill(sqs, dlq, 15)
    client = Flaky(sqs)
    client.faults["send_message_batch"] = [None] + [ConnectionClosedError(endpoint_url="https://sqs/")] * 10
    result = redrive(client, target)
    assert result.moved == 10
    assert result.stopped is not None and "sqs:SendMessageBatch failed after 4 attempts" in result.stopped
    # The batch it held is visible again at once, for the next run.
    assert (result.remaining, result.remaining_in_flight, result.complete) == (5, 0, False)
    assert redrive(sqs, target).complete
    assert len(drain(sqs, source)) == 15


def test_an_answer_without_a_key_it_must_have_names_the_call(sqs):
    _, _, target = make_queues(sqs)
    client = Flaky(sqs)
    client.after["get_queue_url"] = lambda params, answer: answer.pop("QueueUrl")
    with pytest.raises(CallError, match=r"sqs:GetQueueUrl failed: the answer has no 'QueueUrl'") as caught:
        Redrive(client, target, policy=FAST)
    assert caught.value.transient


# --- FIFO deduplication ------------------------------------------------------------------


def test_fifo_copies_carry_one_deduplication_id_per_dlq_message(sqs):
    source, dlq, target = make_queues(sqs, fifo=True)
    fill(sqs, source, 6, fifo=True)
    fail_into_dlq(sqs, source)
    dlq_ids = {
        m["Body"]: m["MessageId"]
        for m in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    }
    client = Flaky(sqs)
    assert redrive(client, target).complete
    assert {e["MessageBody"]: e["MessageDeduplicationId"] for e in client.sent} == {
        body: f"{FIFO_DEDUPLICATION_PREFIX}{message_id}" for body, message_id in dlq_ids.items()
    }


def test_a_fifo_copy_is_not_dropped_by_the_original_deduplication_id(sqs):
    # The originals were sent seconds ago with ids d-0..d-5: a copy reusing them would be
    # dropped by the source's five-minute deduplication window.
    source, dlq, target = make_queues(sqs, fifo=True)
    bodies = fill(sqs, source, 6, fifo=True, dedup="d")
    fail_into_dlq(sqs, source)
    assert depth(sqs, dlq) == (6, 0)
    assert redrive(sqs, target).complete
    assert sorted(drain(sqs, source)) == sorted(bodies)


def test_a_repeated_fifo_copy_is_dropped_by_sqs(sqs):
    source, _, target = make_queues(sqs, fifo=True)
    bodies = fill(sqs, source, 6, fifo=True)
    fail_into_dlq(sqs, source)
    client = Flaky(sqs)
    client.faults["send_message_batch"] = [lost_answer()]  # done in SQS, then retried
    # ... and one deletion that fails, so the next run copies those messages again.
    client.faults["delete_message_batch"] = [ClientError({"Error": {"Code": "AccessDenied"}}, "DeleteMessageBatch")]
    first = redrive(client, target)
    assert (first.not_deleted, first.complete) == (6, False)
    assert client.calls["send_message_batch"] == 2
    assert redrive(sqs, target).complete
    assert sorted(drain(sqs, source)) == sorted(bodies)  # each exactly once


def test_a_fifo_message_redriven_twice_arrives_both_times(sqs):
    source, dlq, target = make_queues(sqs, fifo=True)
    bodies = fill(sqs, source, 4, fifo=True)
    for _ in range(2):  # fail, redrive, fail again, redrive again: within five minutes
        fail_into_dlq(sqs, source)
        assert depth(sqs, dlq) == (4, 0)
        assert redrive(sqs, target).complete
        assert depth(sqs, source) == (4, 0)
    assert sorted(drain(sqs, source)) == sorted(bodies)
