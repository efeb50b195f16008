"""Make the emulator's SQS fast enough for a thousand messages, without changing what it does.

moto 5.2 computes every queue attribute (three scans over all messages) for each message it
sends or receives, and reads the clock through a freezegun-aware helper for every message it
looks at, so a queue of 1,000 messages costs minutes. This replaces those two hot spots with
equivalents: the retention check reads the queue's retention directly, and the SQS model
reads the wall clock directly (these tests never freeze time).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any


@contextmanager
def fast_sqs() -> Iterator[None]:
    from moto.sqs import models

    original_unix_time = models.unix_time
    original_unix_time_millis = models.unix_time_millis
    original_retention_check = models.SQSBackend.is_message_valid_based_on_retention_period

    def unix_time(dt: datetime | None = None) -> float:
        return time.time() if dt is None else original_unix_time(dt)

    def unix_time_millis(dt: datetime | None = None) -> float:
        return time.time() * 1000.0 if dt is None else original_unix_time_millis(dt)

    def is_message_valid_based_on_retention_period(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        return bool(int(queue.message_retention_period) + message.sent_timestamp / 1000 > time.time())

    models.unix_time = unix_time
    models.unix_time_millis = unix_time_millis
    models.SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period
    try:
        yield
    finally:
        models.unix_time = original_unix_time
        models.unix_time_millis = original_unix_time_millis
        models.SQSBackend.is_message_valid_based_on_retention_period = original_retention_check
