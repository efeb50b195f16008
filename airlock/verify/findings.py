"""What a check reports: one finding per resource it looked at."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """How the live state compares with the spec.

    ``ok`` matches; ``drift`` exists but differs; ``missing`` should exist and does not;
    ``error`` could not be read (access denied, throttled after retries, endpoint down).
    """

    OK = "ok"
    DRIFT = "drift"
    MISSING = "missing"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One row of the report.

    :param check_id: the stable id of the check (``AV-FLOWLOG-1``); never reused for
        another meaning, so CI suppressions and dashboards keep working.
    :param status: see :class:`Status`.
    :param resource: what was looked at: an ARN, an id, or ``account/region/name``.
    :param message: what was found, and for anything but ``ok`` what to do about it.
    :param integration: the integration the resource belongs to, or None for the organization.
    :param account: the AWS account that was read.
    :param region: the region that was read, or None for global services.
    """

    check_id: str
    status: Status
    resource: str
    message: str
    integration: str | None = None
    account: str | None = None
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @property
    def passed(self) -> bool:
        return self.status is Status.OK
