"""Move the messages of a buffer's dead-letter queue back to its source queue.

Two ways, chosen in this order by ``method="auto"``:

``move-task``
    SQS's own ``StartMessageMoveTask``: SQS moves the messages server-side and this module
    follows the task until it completes.
``copy``
    receive from the DLQ -> send to the source -> delete from the DLQ, batch by batch
    (:mod:`airlock.operations.redrive_copy`, which states what can and cannot be duplicated).

A run is bounded: by default it handles at most the messages the DLQ held when it started,
visible and in flight, so a consumer that keeps failing cannot make it cycle messages
forever; ``max_messages`` and ``max_seconds`` bound it further. Every call goes through
:mod:`airlock.aws_calls` (retried with backoff). Whatever happens, the run ends by reading
the DLQ's counts again, and :class:`RedriveResult` says how many moved and how many remain:
a run reports success only when the DLQ is empty.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airlock import aws_calls
from airlock.aws_calls import CallError, RetryPolicy
from airlock.operations import redrive_copy
from airlock.operations.redrive_copy import CopyRun
from airlock.spec import AccountLock, Spec
from airlock.spec.buffer_checks import queue_names

METHODS = ("auto", "move-task", "copy")
_FINISHED = {"COMPLETED", "CANCELLED", "FAILED"}
#: Error codes that say StartMessageMoveTask is not available here (older endpoints, emulators).
_UNSUPPORTED = {
    "UnsupportedOperation",
    "AWS.SimpleQueueService.UnsupportedOperation",
    "InvalidAction",
    "NotImplemented",
    "UnknownOperationException",
}
_NOT_FOUND = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"}
#: After a run that found the DLQ empty, how long to wait before each of two more looks at
#: its counts when they still show messages (SQS's approximate counts lag behind deletes).
SETTLE_SECONDS = 2.0

Progress = Callable[[int, int], None]


class RedriveError(Exception):
    """A redrive cannot start: bad input or usage (the message names the cause and the fix)."""


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
    """What a run did, and what the DLQ holds after it.

    :param moved: messages copied to the source and deleted from the DLQ (or moved by the task).
    :param failed: copies SQS refused; they stayed in the DLQ.
    :param waiting: visible messages in the DLQ when the run started.
    :param in_flight: messages in flight in the DLQ when the run started.
    :param remaining: visible messages in the DLQ after the run (None if it could not be read).
    :param remaining_in_flight: messages in flight in the DLQ after the run.
    :param not_deleted: copies accepted by the source whose deletion from the DLQ failed.
    :param stopped: why the run stopped early (a call that kept failing), or None.
    :param bound: the bound that ended the run while messages remained, or None.
    """

    method: str
    moved: int
    failed: int = 0
    dry_run: bool = False
    waiting: int = 0
    in_flight: int = 0
    remaining: int | None = 0
    remaining_in_flight: int = 0
    not_deleted: int = 0
    stopped: str | None = None
    bound: str | None = None

    @property
    def complete(self) -> bool:
        """The DLQ was read empty (visible and in flight) after the run, and nothing went wrong."""
        return self.remaining == 0 and self.remaining_in_flight == 0 and self.stopped is None and not self.failed


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


def _explain(exc: CallError, target: RedriveTarget, queue: str) -> Exception:
    """A :class:`RedriveError` (bad input) for what a rerun cannot fix, else ``exc`` itself."""
    where = f"account {target.account or '(from the credentials)'}, region {target.region}"
    if exc.code in _NOT_FOUND:
        return RedriveError(
            f"queue '{queue}' does not exist in {where}; deploy the integration's stack there, or pass the "
            "--profile/--region of the intermediate account"
        )
    if exc.denied:
        return RedriveError(
            f"access denied to queue '{queue}' in {where} ({exc.code}); use credentials of the intermediate account "
            "(--profile) allowed sqs:ReceiveMessage, sqs:SendMessage, sqs:DeleteMessage and sqs:StartMessageMoveTask"
        )
    if exc.kind == "credentials":
        return RedriveError(
            "no AWS credentials found; pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY for the intermediate account"
        )
    return exc


@dataclass(frozen=True)
class _Outcome:
    method: str
    moved: int
    failed: int = 0
    not_deleted: int = 0
    stopped: str | None = None
    bound: str | None = None
    drained: bool = False


class Redrive:
    """A redrive of one buffer through an SQS client (``boto3.client("sqs")``).

    :param poll_seconds: wait between two looks at a move task.
    :param policy: retries of every call; default :data:`airlock.aws_calls.POLICY`.
    :param hold_seconds: how long the copy method holds a received DLQ message (default:
        :data:`airlock.operations.redrive_copy.HOLD_SECONDS`).
    """

    def __init__(
        self,
        sqs: Any,
        target: RedriveTarget,
        *,
        poll_seconds: float = 2.0,
        policy: RetryPolicy | None = None,
        hold_seconds: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sqs = sqs
        self.target = target
        self.poll_seconds = poll_seconds
        self.policy = policy
        self.hold_seconds = hold_seconds if hold_seconds is not None else redrive_copy.HOLD_SECONDS
        self.clock = clock
        self.source_url = self._url(target.source_name)
        self.dead_letter_url = self._url(target.dead_letter_name)

    def _call(self, operation: str, queue: str, **kwargs: Any) -> Any:
        """``self.sqs.<operation>(**kwargs)`` retried; failures explained (:func:`_explain`)."""
        try:
            return aws_calls.call(self.sqs, operation, policy=self.policy, **kwargs)
        except CallError as exc:
            raise _explain(exc, self.target, queue) from None

    def _url(self, name: str) -> str:
        kwargs = {"QueueName": name}
        if self.target.account:
            kwargs["QueueOwnerAWSAccountId"] = self.target.account
        return str(self._call("get_queue_url", name, **kwargs)["QueueUrl"])

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
        max_seconds: float | None = None,
    ) -> RedriveResult:
        """Move the DLQ's messages back; the result always holds the DLQ's counts read after the run."""
        if method not in METHODS:
            raise RedriveError(f"method '{method}' is unknown; use one of {list(METHODS)}")
        if method == "move-task" and max_messages is not None:
            raise RedriveError("--max-messages needs --method copy; a move task moves every message")
        waiting, in_flight = self.counts()
        if dry_run:
            return RedriveResult(
                method,
                0,
                dry_run=True,
                waiting=waiting,
                in_flight=in_flight,
                remaining=waiting,
                remaining_in_flight=in_flight,
            )
        if waiting == 0 and in_flight == 0:
            return RedriveResult(method=method, moved=0)
        report = progress or (lambda done, total: None)
        deadline = None if max_seconds is None else self.clock() + max_seconds
        outcome = None
        if method in ("auto", "move-task") and max_messages is None:
            outcome = self._move_task(waiting + in_flight, report, deadline, explicit=method == "move-task")
        if outcome is None:
            outcome = self._copy(max_messages if max_messages is not None else waiting + in_flight, report, deadline)
        return self._finish(outcome, waiting, in_flight)

    def _finish(self, outcome: _Outcome, waiting: int, in_flight: int) -> RedriveResult:
        """The result, with the DLQ's counts read again (settled a little when the run drained it)."""
        stopped = outcome.stopped
        remaining: int | None
        try:
            remaining, remaining_in_flight = self.counts()
            for _ in range(2 if outcome.drained else 0):
                if remaining == 0:
                    break
                time.sleep(SETTLE_SECONDS)  # approximate counts lag behind deletes for a moment
                remaining, remaining_in_flight = self.counts()
        except (CallError, RedriveError) as exc:
            remaining, remaining_in_flight = None, 0
            stopped = stopped or f"the DLQ could not be read again ({exc})"
        return RedriveResult(
            method=outcome.method,
            moved=outcome.moved,
            failed=outcome.failed,
            waiting=waiting,
            in_flight=in_flight,
            remaining=remaining,
            remaining_in_flight=remaining_in_flight,
            not_deleted=outcome.not_deleted,
            stopped=stopped,
            bound=outcome.bound,
        )

    # -- StartMessageMoveTask -------------------------------------------------------------

    def _move_task(self, total: int, report: Progress, deadline: float | None, *, explicit: bool) -> _Outcome | None:
        """Follow a move task to its end; None when the task cannot start here and ``auto`` may copy instead."""
        source_arn = self._attributes(self.source_url, self.target.source_name)["QueueArn"]
        dead_letter_arn = self._attributes(self.dead_letter_url, self.target.dead_letter_name)["QueueArn"]
        # ``auto`` tries once: where the API is missing, a retry only delays the copy.
        policy = (self.policy or aws_calls.POLICY) if explicit else (self.policy or aws_calls.POLICY).with_attempts(1)
        try:
            started = aws_calls.call(
                self.sqs, "start_message_move_task", policy=policy, SourceArn=dead_letter_arn, DestinationArn=source_arn
            )
        except CallError as exc:
            unsupported = exc.code in _UNSUPPORTED
            if not explicit and (unsupported or exc.transient):
                return None
            if unsupported:
                raise RedriveError(
                    f"StartMessageMoveTask is not available here ({exc.code}); use --method copy"
                ) from None
            raise _explain(exc, self.target, self.target.dead_letter_name) from None
        return self._follow(started.get("TaskHandle"), dead_letter_arn, total, report, deadline)

    def _follow(
        self, handle: str | None, dead_letter_arn: str, total: int, report: Progress, deadline: float | None
    ) -> _Outcome:
        moved = 0
        while True:
            try:
                listed = self._call(
                    "list_message_move_tasks", self.target.dead_letter_name, SourceArn=dead_letter_arn, MaxResults=1
                )
            except CallError as exc:
                return _Outcome("move-task", moved, stopped=f"{exc}; the move task goes on in SQS")
            tasks = listed.get("Results", [])
            task = tasks[0] if tasks else {"Status": "COMPLETED"}
            moved = int(task.get("ApproximateNumberOfMessagesMoved", 0))
            report(moved, max(int(task.get("ApproximateNumberOfMessagesToMove", total)), moved))
            if task.get("Status") in _FINISHED:
                break
            if deadline is not None and self.clock() >= deadline:
                self._cancel(handle)
                return _Outcome("move-task", moved, bound="the time limit (the move task was cancelled)")
            time.sleep(self.poll_seconds)
        if task.get("Status") != "COMPLETED":
            reason = task.get("FailureReason", "no reason given")
            return _Outcome("move-task", moved, stopped=f"the move task ended {task.get('Status')}: {reason}")
        return _Outcome("move-task", moved, drained=True)

    def _cancel(self, handle: str | None) -> None:
        if handle is None:
            return
        # If the cancel fails the task runs to its end in SQS; the counts read next say where it stands.
        with contextlib.suppress(CallError):
            aws_calls.call(self.sqs, "cancel_message_move_task", policy=self.policy, TaskHandle=handle)

    # -- receive / send / delete ----------------------------------------------------------

    def _copy(self, limit: int, report: Progress, deadline: float | None) -> _Outcome:
        def call(operation: str, **kwargs: Any) -> Any:
            return aws_calls.call(self.sqs, operation, policy=self.policy, **kwargs)

        run = CopyRun(
            call=call,
            source_url=self.source_url,
            dead_letter_url=self.dead_letter_url,
            fifo=self.target.fifo,
            limit=limit,
            deadline=deadline,
            hold_seconds=self.hold_seconds,
            report=report,
            clock=self.clock,
        ).run()
        if run.stopped is not None and run.copied == 0:
            explained = _explain(run.stopped, self.target, _queue_of(run.stopped, self.target))
            if isinstance(explained, RedriveError):
                raise explained  # bad input, and nothing was copied: exit 2
        return _Outcome(
            "copy",
            run.moved,
            failed=run.refused,
            not_deleted=run.not_deleted,
            stopped=str(run.stopped) if run.stopped is not None else None,
            bound=run.bound,
            drained=run.stopped is None and run.bound is None,
        )


def _queue_of(exc: CallError, target: RedriveTarget) -> str:
    return target.source_name if exc.action.endswith(":SendMessageBatch") else target.dead_letter_name


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
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        return aws_calls.install(session.client("sqs", endpoint_url=endpoint_url, config=aws_calls.POLICY.config()))
    except BotoCoreError as exc:
        raise RedriveError(f"{exc}; pass a --profile from your AWS config") from None
    except ValueError as exc:  # a malformed endpoint URL
        raise RedriveError(
            f"--endpoint-url '{endpoint_url}' is not usable: {exc}; pass e.g. https://sqs.{region}.amazonaws.com"
        ) from None
