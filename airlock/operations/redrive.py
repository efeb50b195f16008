"""Move the messages of a buffer's dead-letter queue back to its source queue.

Two ways, chosen in this order by ``method="auto"``:

``move-task``
    SQS's own ``StartMessageMoveTask``: SQS moves the messages server-side and this module
    follows the task until it completes.
``copy``
    receive from the DLQ -> send to the source -> delete from the DLQ, batch by batch. A
    message is deleted only after SQS accepted its copy, so an interruption can duplicate a
    message but never lose one; a copy that SQS refuses stays in the DLQ.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from airlock.spec import AccountLock, Spec
from airlock.spec.buffer_checks import queue_names

METHODS = ("auto", "move-task", "copy")
_BATCH = 10
#: How long a received DLQ message stays invisible while its copy is sent (seconds).
_COPY_VISIBILITY = 120
_FINISHED = {"COMPLETED", "CANCELLED", "FAILED"}
#: Error codes that say StartMessageMoveTask is not available here (older endpoints, emulators).
_UNSUPPORTED = {
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
    "InvalidAction",
    "NotImplemented",
    "UnknownOperationException",
    "InternalFailure",
    "500",
    "501",
}
_NOT_FOUND = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"}
_DENIED = {
    "AccessDenied",
    "AccessDeniedException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "InvalidSecurity",
    "SignatureDoesNotMatch",
}

Progress = Callable[[int, int], None]


class RedriveError(Exception):
    """A redrive cannot start or continue; the message names the cause and the fix."""


@dataclass(frozen=True)
class RedriveTarget:
    integration: str
    buffer: str
    account: str | None
    region: str
    source_name: str
    dead_letter_name: str
    fifo: bool


@dataclass(frozen=True)
class RedriveResult:
    method: str
    moved: int
    failed: int = 0
    dry_run: bool = False
    waiting: int = 0
    in_flight: int = 0


def resolve_target(
    spec: Spec, lock: AccountLock, integration_name: str, buffer_name: str, region: str | None
) -> RedriveTarget:
    """The queues of ``integration_name``'s buffer ``buffer_name``, as the stacks name them."""
    names = [i.name for i in spec.integrations]
    if integration_name not in names:
        raise RedriveError(f"integration '{integration_name}' is not in the spec; use one of {names}")
    integration = spec.integration(integration_name)
    buffers = [b.name for b in integration.buffers]
    if buffer_name not in buffers:
        raise RedriveError(
            f"buffer '{buffer_name}' is not a buffer of integration '{integration_name}'; use one of {buffers}"
        )
    buffer = next(b for b in integration.buffers if b.name == buffer_name)
    if region is None:
        if len(integration.regions) != 1:
            raise RedriveError(
                f"integration '{integration_name}' is deployed to {list(integration.regions)}; pass --region "
                "to choose one"
            )
        region = integration.regions[0]
    elif region not in integration.regions:
        raise RedriveError(
            f"--region '{region}' is not a region of integration '{integration_name}'; use one of "
            f"{list(integration.regions)}"
        )
    source, dead_letter = queue_names(integration.name, buffer.name, fifo=buffer.fifo)
    return RedriveTarget(
        integration=integration.name,
        buffer=buffer.name,
        account=lock.account_id(integration),
        region=region,
        source_name=source,
        dead_letter_name=dead_letter,
        fifo=buffer.fifo,
    )


def _code(exc: ClientError) -> str:
    response = exc.response or {}
    error = response.get("Error", {})
    return str(error.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def _explain(exc: ClientError, target: RedriveTarget, what: str) -> RedriveError:
    code = _code(exc)
    where = f"account {target.account or '(from the credentials)'}, region {target.region}"
    if code in _NOT_FOUND:
        return RedriveError(
            f"queue '{what}' does not exist in {where}; deploy the integration's stack there, or pass the "
            "--profile/--region of the intermediate account"
        )
    if code in _DENIED:
        return RedriveError(
            f"access denied to queue '{what}' in {where} ({code}); use credentials of the intermediate account "
            "(--profile) allowed sqs:ReceiveMessage, sqs:SendMessage, sqs:DeleteMessage and sqs:StartMessageMoveTask"
        )
    message = (exc.response or {}).get("Error", {}).get("Message", str(exc))
    return RedriveError(f"SQS refused a request for queue '{what}' in {where}: {code or 'error'}: {message}")


class Redrive:
    """A redrive of one buffer through an SQS client (``boto3.client("sqs")``)."""

    def __init__(self, sqs: Any, target: RedriveTarget, *, poll_seconds: float = 2.0) -> None:
        self.sqs = sqs
        self.target = target
        self.poll_seconds = poll_seconds
        self.source_url = self._url(target.source_name)
        self.dead_letter_url = self._url(target.dead_letter_name)

    def _url(self, name: str) -> str:
        kwargs = {"QueueName": name}
        if self.target.account:
            kwargs["QueueOwnerAWSAccountId"] = self.target.account
        return str(self._call("get_queue_url", name, **kwargs)["QueueUrl"])

    def _call(self, operation: str, queue: str, **kwargs: Any) -> Any:
        """``self.sqs.<operation>(**kwargs)``, with errors turned into a :class:`RedriveError`."""
        try:
            return getattr(self.sqs, operation)(**kwargs)
        except ClientError as exc:
            raise _explain(exc, self.target, queue) from None
        except NoCredentialsError:
            raise RedriveError(
                "no AWS credentials found; pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY for the intermediate account"
            ) from None
        except BotoCoreError as exc:
            raise RedriveError(
                f"cannot reach SQS for queue '{queue}': {exc}; check --region and --endpoint-url"
            ) from None

    def _attributes(self, url: str, name: str) -> dict[str, str]:
        return dict(self._call("get_queue_attributes", name, QueueUrl=url, AttributeNames=["All"])["Attributes"])

    def counts(self) -> tuple[int, int]:
        """Messages in the DLQ: (visible, in flight)."""
        attributes = self._attributes(self.dead_letter_url, self.target.dead_letter_name)
        return int(attributes.get("ApproximateNumberOfMessages", 0)), int(
            attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
        )

    def run(
        self,
        *,
        method: str = "auto",
        dry_run: bool = False,
        progress: Progress | None = None,
        max_messages: int | None = None,
    ) -> RedriveResult:
        if method not in METHODS:
            raise RedriveError(f"method '{method}' is unknown; use one of {list(METHODS)}")
        waiting, in_flight = self.counts()
        if dry_run:
            return RedriveResult(method=method, moved=0, dry_run=True, waiting=waiting, in_flight=in_flight)
        if waiting == 0 and in_flight == 0:
            return RedriveResult(method=method, moved=0)
        report = progress or (lambda done, total: None)
        if method in ("auto", "move-task") and max_messages is None:
            try:
                return self._move_task(waiting, report)
            except _Unsupported as exc:
                if method == "move-task":
                    raise RedriveError(
                        f"StartMessageMoveTask is not available here ({exc}); use --method copy"
                    ) from None
        elif method == "move-task":
            raise RedriveError("--max-messages needs --method copy; a move task moves every message")
        return self._copy(waiting, report, max_messages)

    # -- StartMessageMoveTask -------------------------------------------------------------

    def _move_task(self, total: int, report: Progress) -> RedriveResult:
        source_arn = self._attributes(self.source_url, self.target.source_name)["QueueArn"]
        dead_letter_arn = self._attributes(self.dead_letter_url, self.target.dead_letter_name)["QueueArn"]
        try:
            self.sqs.start_message_move_task(SourceArn=dead_letter_arn, DestinationArn=source_arn)
        except ClientError as exc:
            if _code(exc) in _UNSUPPORTED:
                raise _Unsupported(_code(exc)) from None
            raise _explain(exc, self.target, self.target.dead_letter_name) from None
        dead_letter = self.target.dead_letter_name
        while True:
            listed = self._call("list_message_move_tasks", dead_letter, SourceArn=dead_letter_arn, MaxResults=1)
            tasks = listed.get("Results", [])
            task = tasks[0] if tasks else {"Status": "COMPLETED"}
            moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
            report(moved, max(int(task.get("ApproximateNumberOfMessagesToMove", total)), moved))
            if task.get("Status") in _FINISHED:
                break
            time.sleep(self.poll_seconds)
        if task.get("Status") != "COMPLETED":
            raise RedriveError(
                f"the move task ended {task.get('Status')} after {moved} messages: "
                f"{task.get('FailureReason', 'no reason given')}; the rest stay in the DLQ, run again"
            )
        return RedriveResult(method="move-task", moved=moved)

    # -- receive / send / delete ----------------------------------------------------------

    def _copy(self, total: int, report: Progress, max_messages: int | None) -> RedriveResult:
        run = uuid.uuid4().hex[:12]
        moved = failed = 0
        empty_polls = 0
        report(0, total)
        while max_messages is None or moved < max_messages:
            want = _BATCH if max_messages is None else min(_BATCH, max_messages - moved)
            messages = self._receive(want)
            if not messages:
                empty_polls += 1
                if empty_polls >= 2:
                    break
                continue
            empty_polls = 0
            entries = {str(index): self._copy_entry(str(index), message, run) for index, message in enumerate(messages)}
            accepted, refused = self._send(list(entries.values()))
            failed += len(refused)
            if accepted:
                handles = {str(i): m["ReceiptHandle"] for i, m in enumerate(messages)}
                self._delete([{"Id": key, "ReceiptHandle": handles[key]} for key in accepted])
            moved += len(accepted)
            report(moved, max(total, moved))
            if refused and not accepted:
                break  # SQS refuses this batch; the messages stay in the DLQ
        return RedriveResult(method="copy", moved=moved, failed=failed)

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = self._call(
            "receive_message",
            self.target.dead_letter_name,
            QueueUrl=self.dead_letter_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=1,
            VisibilityTimeout=_COPY_VISIBILITY,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))

    def _copy_entry(self, id_: str, message: dict[str, Any], run: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"Id": id_, "MessageBody": message["Body"]}
        attributes = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            kept = {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
            attributes[name] = kept
        if attributes:
            entry["MessageAttributes"] = attributes
        if self.target.fifo:
            system = message.get("Attributes", {})
            entry["MessageGroupId"] = system.get("MessageGroupId", "redrive")
            # A new deduplication id: the original one may still be inside the source's
            # five-minute window, which would drop the copy silently.
            entry["MessageDeduplicationId"] = f"{message['MessageId']}-{run}"[:128]
        return entry

    def _send(self, entries: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        try:
            response = self.sqs.send_message_batch(QueueUrl=self.source_url, Entries=entries)
        except ClientError as exc:
            if "BatchRequestTooLong" not in _code(exc):
                raise _explain(exc, self.target, self.target.source_name) from None
            return self._send_one_by_one(entries)
        accepted = [item["Id"] for item in response.get("Successful", [])]
        refused = [item["Id"] for item in response.get("Failed", [])]
        return accepted, refused

    def _send_one_by_one(self, entries: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        accepted, refused = [], []
        for entry in entries:
            single = {k: v for k, v in entry.items() if k != "Id"}
            try:
                self.sqs.send_message(QueueUrl=self.source_url, **single)
                accepted.append(entry["Id"])
            except ClientError:
                refused.append(entry["Id"])
        return accepted, refused

    def _delete(self, entries: list[dict[str, str]]) -> None:
        self._call("delete_message_batch", self.target.dead_letter_name, QueueUrl=self.dead_letter_url, Entries=entries)


class _Unsupported(Exception):
    pass


class TerminalProgress:
    """A one-line progress bar on a terminal; silent elsewhere (logs, pipes)."""

    def __init__(self, stream: Any, *, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        total = max(total, done, 1)
        filled = self.width * done // total
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r  [{bar}] {done}/{total} messages")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def sqs_client(*, region: str, profile: str | None = None, endpoint_url: str | None = None) -> Any:
    """An SQS client for ``region`` from the named profile (or the default credential chain)."""
    import boto3
    from botocore.config import Config

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        return session.client(
            "sqs", endpoint_url=endpoint_url, config=Config(retries={"mode": "standard", "max_attempts": 5})
        )
    except BotoCoreError as exc:
        raise RedriveError(f"{exc}; pass a --profile from your AWS config") from None
    except ValueError as exc:  # a malformed endpoint URL
        raise RedriveError(
            f"--endpoint-url '{endpoint_url}' is not usable: {exc}; pass e.g. https://sqs.{region}.amazonaws.com"
        ) from None
