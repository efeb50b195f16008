"""The ``copy`` method of a redrive: receive from the DLQ, send to the source, delete from the DLQ.

A message is deleted from the DLQ only after SQS accepted its copy, so nothing is lost:

* a copy SQS refuses, or one whose send failed, stays in the DLQ;
* a message this run received but could not move is made visible again when the run
  ends, so the next run can move it at once;
* a copy whose deletion from the DLQ failed is in both queues; the next run copies it again.

Duplicates are possible only where an answer was lost, and they are bounded:

* standard queues: a send retried after its answer was lost (the first try did reach SQS),
  and a copy whose deletion failed, can each arrive twice;
* FIFO queues: every copy of one DLQ message carries the same deduplication id,
  ``airlock-redrive-<DLQ message id>``, so SQS drops a retried or repeated copy within its
  five-minute deduplication window. The id is never the message's original one, which may
  still be inside that window at the source and would drop the copy silently; and a message
  that is redriven, fails again and is redriven again is a new DLQ message with a new id,
  so it is never dropped either. The group id is the original's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airlock.aws_calls import CallError

BATCH = 10
#: How long a received DLQ message stays invisible while its copy is sent (seconds).
HOLD_SECONDS = 120
FIFO_DEDUPLICATION_PREFIX = "airlock-redrive-"

Call = Callable[..., Any]
Progress = Callable[[int, int], None]


def fifo_deduplication_id(message: dict[str, Any]) -> str:
    """The deduplication id of every copy of one DLQ message (see the module)."""
    return f"{FIFO_DEDUPLICATION_PREFIX}{message['MessageId']}"[:128]


def copy_entry(id_: str, message: dict[str, Any], *, fifo: bool) -> dict[str, Any]:
    """The ``SendMessageBatch`` entry that copies ``message``: body, attributes, FIFO ids."""
    entry: dict[str, Any] = {"Id": id_, "MessageBody": message["Body"]}
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        attributes[name] = {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
    if attributes:
        entry["MessageAttributes"] = attributes
    if fifo:
        entry["MessageGroupId"] = (message.get("Attributes") or {}).get("MessageGroupId", "redrive")
        entry["MessageDeduplicationId"] = fifo_deduplication_id(message)
    return entry


@dataclass
class CopyRun:
    """The state of one copy run; :meth:`run` moves until the DLQ is empty or a bound is hit."""

    call: Call
    source_url: str
    dead_letter_url: str
    fifo: bool
    limit: int
    deadline: float | None = None
    hold_seconds: int = HOLD_SECONDS
    report: Progress = lambda done, total: None
    clock: Callable[[], float] = time.monotonic
    moved: int = 0
    copied: int = 0
    refused: int = 0
    received: int = 0
    not_deleted: int = 0
    stopped: CallError | None = None
    bound: str | None = None
    held: dict[str, str] = field(default_factory=dict)  # message id -> receipt handle, not yet deleted

    def run(self) -> CopyRun:
        self.report(0, self.limit)
        empty_polls = 0
        try:
            while empty_polls < 2 and not self._bounded():
                messages = self._receive(min(BATCH, self.limit - self.received))
                if not messages:
                    empty_polls += 1
                    continue
                empty_polls = 0
                self._move(messages)
                self.report(self.moved, max(self.limit, self.moved))
        except CallError as exc:
            self.stopped = exc
        finally:
            self._release()
        return self

    def _bounded(self) -> bool:
        if self.received >= self.limit:
            self.bound = f"the limit of {self.limit} messages"
        elif self.deadline is not None and self.clock() >= self.deadline:
            self.bound = "the time limit"
        return self.bound is not None

    def _receive(self, count: int) -> list[dict[str, Any]]:
        response = self.call(
            "receive_message",
            QueueUrl=self.dead_letter_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=1,
            VisibilityTimeout=self.hold_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = list(response.get("Messages", []))
        self.received += len(messages)
        for message in messages:
            self.held[message["MessageId"]] = message["ReceiptHandle"]
        return messages

    def _move(self, messages: list[dict[str, Any]]) -> None:
        entries = [copy_entry(str(i), m, fifo=self.fifo) for i, m in enumerate(messages)]
        response = self.call("send_message_batch", QueueUrl=self.source_url, Entries=entries)
        accepted = [messages[int(item["Id"])] for item in response.get("Successful", [])]
        self.refused += len(response.get("Failed", []))
        if not accepted:
            return
        self.copied += len(accepted)
        deletes = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(accepted)]
        try:
            response = self.call("delete_message_batch", QueueUrl=self.dead_letter_url, Entries=deletes)
        except CallError:
            self.not_deleted += len(accepted)
            raise
        deleted = [accepted[int(item["Id"])] for item in response.get("Successful", [])]
        self.not_deleted += len(accepted) - len(deleted)
        for message in deleted:
            self.held.pop(message["MessageId"], None)
        self.moved += len(deleted)

    def _release(self) -> None:
        """Make what this run holds and did not delete visible again (best effort)."""
        handles = list(self.held.values())
        for start in range(0, len(handles), BATCH):
            entries = [
                {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for i, handle in enumerate(handles[start : start + BATCH])
            ]
            try:
                self.call("change_message_visibility_batch", QueueUrl=self.dead_letter_url, Entries=entries)
            except CallError:
                return  # they become visible by themselves after hold_seconds
