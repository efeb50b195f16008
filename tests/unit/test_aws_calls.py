"""airlock.aws_calls: what is retried, what is an error, and how the error reads.

Answers are canned at the HTTP layer (``before-send``), so botocore parses them exactly as it
parses AWS's; nothing here goes over the network.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from airlock import aws_calls
from airlock.aws_calls import CallError, RetryPolicy, call, pages

REGION = "eu-central-1"
QUEUE = "https://sqs.eu-central-1.amazonaws.com/210000000001/airlock-crm-inbound"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any):
        yield self.body


def canned(client: Any, operation: str, answers: list[tuple[int, dict[str, str], bytes]]) -> list[int]:
    """Answer ``operation`` with ``answers`` in turn (the last one repeats); record each attempt."""
    attempts: list[int] = []
    queue = list(answers)
    service = client.meta.service_model.service_id.hyphenize()

    def send(request: Any, **_: Any) -> AWSResponse:
        status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
        attempts.append(status)
        return AWSResponse(request.url, status, headers, _Raw(body))

    client.meta.events.register(f"before-send.{service}.{operation}", send)
    return attempts


def client(service: str) -> Any:
    return boto3.client(
        service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x", config=aws_calls.POLICY.config()
    )


JSON = {"Content-Type": "application/x-amz-json-1.0"}
ATTRIBUTES = b'{"Attributes": {"ApproximateNumberOfMessages": "3"}}'
STS_IDENTITY = (
    b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::100000000001:root</Arn>"
    b"<UserId>x</UserId><Account>100000000001</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
)


def _query_error(code: str) -> bytes:
    return (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>no</Message></Error>"
        "<RequestId>r</RequestId></ErrorResponse>"
    ).encode()


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        pytest.param(
            400,
            {**JSON, "x-amzn-query-error": "AWS.SimpleQueueService.RequestThrottled;Sender"},
            b'{"__type": "com.amazonaws.sqs#RequestThrottled", "message": "Rate exceeded"}',
            id="query-compatible-sqs-throttling",
        ),
        pytest.param(400, JSON, b'{"__type": "ThrottlingException"}', id="json-throttling"),
        pytest.param(500, JSON, b'{"__type": "InternalFailure"}', id="json-500"),
        pytest.param(503, {}, b"", id="503-without-body"),
        pytest.param(200, JSON, b"", id="empty-answer"),
        pytest.param(200, JSON, b'{"Attributes": {"Approx', id="malformed-answer"),
        pytest.param(200, JSON, b"[]", id="not-an-object"),
    ],
)
def test_transient_faults_are_retried_with_backoff(status, headers, body):
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append)
    sqs = client("sqs")
    attempts = canned(sqs, "GetQueueAttributes", [(status, headers, body), (200, JSON, ATTRIBUTES)])
    answer = call(sqs, "get_queue_attributes", policy=policy, QueueUrl=QUEUE, AttributeNames=["All"])
    assert answer["Attributes"]["ApproximateNumberOfMessages"] == "3"
    assert attempts == [status, 200] and len(sleeps) == 1


@pytest.mark.parametrize("code", ["Throttling", "RequestThrottled", "AWS.SimpleQueueService.RequestThrottled"])
def test_query_protocol_throttling_codes_are_retried(code):
    sts = client("sts")
    attempts = canned(sts, "GetCallerIdentity", [(400, {}, _query_error(code)), (200, {}, STS_IDENTITY)])
    assert call(sts, "get_caller_identity")["Account"] == "100000000001"
    assert attempts == [400, 200]


def test_faults_that_outlast_the_attempts_name_the_call_and_how_often_it_was_tried():
    sqs = client("sqs")
    attempts = canned(sqs, "GetQueueAttributes", [(200, JSON, b"")])
    with pytest.raises(CallError) as caught:
        call(sqs, "get_queue_attributes", policy=RetryPolicy(attempts=3, sleep=lambda _: None), QueueUrl=QUEUE)
    assert str(caught.value).startswith("sqs:GetQueueAttributes failed after 3 attempts: the answer could not be read")
    assert caught.value.transient and caught.value.kind == "unreadable"
    assert len(attempts) == 3


@pytest.mark.parametrize(
    ("code", "kind"), [("AccessDenied", "denied"), ("InvalidClientTokenId", "denied"), ("ValidationError", "refused")]
)
def test_refusals_are_not_retried(code, kind):
    sts = client("sts")
    attempts = canned(sts, "GetCallerIdentity", [(403, {}, _query_error(code))])
    with pytest.raises(CallError) as caught:
        call(sts, "get_caller_identity")
    assert (caught.value.kind, caught.value.transient, caught.value.code) == (kind, False, code)
    assert attempts == [403]
    assert str(caught.value).startswith("sts:GetCallerIdentity failed: ")


def test_an_empty_body_is_fine_where_the_operation_returns_nothing():
    sqs = client("sqs")
    attempts = canned(sqs, "DeleteMessage", [(200, JSON, b"")])
    call(sqs, "delete_message", QueueUrl=QUEUE, ReceiptHandle="r")
    assert attempts == [200]


def test_an_empty_json_object_is_an_answer_with_nothing_in_it():
    sqs = client("sqs")
    canned(sqs, "ReceiveMessage", [(200, JSON, b"{}")])
    assert call(sqs, "receive_message", QueueUrl=QUEUE).get("Messages", []) == []


def test_a_missing_key_names_the_call_not_a_key_error():
    sqs = client("sqs")
    canned(sqs, "GetQueueUrl", [(200, JSON, b'{"Other": 1}')])
    answer = call(sqs, "get_queue_url", QueueName="q")
    with pytest.raises(CallError, match=r"^sqs:GetQueueUrl failed: the answer has no 'QueueUrl'"):
        answer["QueueUrl"]


def test_each_page_is_retried_on_its_own():
    organizations = client("organizations")
    first = b'{"Accounts": [{"Id": "210000000001"}], "NextToken": "t1"}'
    second = b'{"Accounts": [{"Id": "220000000002"}]}'
    fault = (500, JSON, b'{"__type": "ServiceException"}')
    attempts = canned(organizations, "ListAccountsForParent", [fault, (200, JSON, first), fault, (200, JSON, second)])
    found = [
        a["Id"]
        for page in pages(organizations, "list_accounts_for_parent", ParentId="ou-a1b2-c3d4e5f6")
        for a in page["Accounts"]
    ]
    assert found == ["210000000001", "220000000002"]
    assert attempts == [500, 200, 500, 200]


def test_the_clients_botocore_retries_are_off():
    assert client("sqs").meta.config.retries["total_max_attempts"] == 1


def test_the_policy_is_the_documented_one():
    # docs/resilience.md: 5 tries, full jitter up to 0.25 s doubling to at most 8 s, 10 s / 30 s timeouts.
    policy = RetryPolicy()
    assert (policy.attempts, policy.base_delay, policy.max_delay) == (5, 0.25, 8.0)
    assert (policy.connect_timeout, policy.read_timeout) == (10.0, 30.0)
    delays = [(attempt, policy.delay(attempt)) for attempt in range(1, 10) for _ in range(50)]
    assert all(0 <= delay <= min(8.0, 0.25 * 2 ** (attempt - 1)) for attempt, delay in delays)
    assert max(delay for attempt, delay in delays if attempt == 9) > 4  # it does grow to the cap
