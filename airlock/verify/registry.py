"""The check registry: each check is a small function ``(Context) -> list[Finding]``.

A check is registered with a stable id and a scope, and the runner calls it once per
organization, per integration, or per integration and region::

    @check("AV-FLOWLOG-1", scope=Scope.REGION, title="VPCs have active flow logs of all traffic")
    def flow_logs(ctx: Context) -> list[Finding]:
        ...

A check raises :class:`~airlock.verify.aws.ApiError` (via ``Account.call``) when it cannot
read what it needs; the runner reports that as one ``error`` finding of the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from airlock.verify.context import Context
from airlock.verify.findings import Finding

CheckFunction = Callable[[Context], list[Finding]]


class Scope(StrEnum):
    ORGANIZATION = "organization"
    INTEGRATION = "integration"
    REGION = "region"


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    scope: Scope
    function: CheckFunction
    #: What the check compares, for the SARIF rule and the docs.
    description: str = ""


REGISTRY: dict[str, Check] = {}


def check(check_id: str, *, scope: Scope, title: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` under ``check_id``; ids are unique and never reused."""

    def register(function: CheckFunction) -> CheckFunction:
        if check_id in REGISTRY:
            raise ValueError(f"check id {check_id} is registered twice; give the new check its own id")
        REGISTRY[check_id] = Check(check_id, title, scope, function, (function.__doc__ or "").strip())
        return function

    return register


#: Report order: from the organization down to the resources of each account.
_ORDER = ("OU", "ACCOUNT", "BOOTSTRAP", "SCP", "VENDOR", "STACK", "FLOWLOG", "EGRESS", "ENDPOINT", "LOGGROUP", "QUEUE")


def _order(item: Check) -> tuple[int, str]:
    family = item.id.split("-")[1] if item.id.count("-") >= 2 else item.id
    return (_ORDER.index(family) if family in _ORDER else len(_ORDER), item.id)


def all_checks() -> list[Check]:
    """Every registered check, from the organization down (importing the built-in checks first)."""
    import airlock.verify.checks  # noqa: F401  (registers the built-in checks)

    return sorted(REGISTRY.values(), key=_order)
