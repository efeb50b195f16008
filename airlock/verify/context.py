"""What a check gets: the spec, where it runs (organization, integration, region) and clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from airlock.aws_calls import CallError
from airlock.spec import AccountLock, Integration, Spec
from airlock.verify.aws import Account, ApiError, Sessions
from airlock.verify.expected import Expectations
from airlock.verify.findings import Finding, Status

T = TypeVar("T")


def integration_stack_name(integration: Integration, region: str) -> str:
    """The CloudFormation stack name the landing zone gives an integration in a region.

    Mirrors :func:`airlock.stacks.integration_stack_name` without importing the CDK; a test
    keeps the two equal.
    """
    return f"airlock-{integration.name}-{region}"


def queue_base_name(integration: Integration, buffer_name: str) -> str:
    """Mirrors :func:`airlock.stacks.integration.queue_base_name`; a test keeps them equal."""
    return f"airlock-{integration.name}-{buffer_name}"


@dataclass
class Context:
    """The view of one check run.

    Organization checks see ``integration`` and ``region`` as None; integration checks see
    ``region`` as None; region checks see both. ``cache`` is shared by every check of a run,
    so what one check read (a stack's resources, the OU) costs no second call.
    """

    spec: Spec
    lock: AccountLock
    sessions: Sessions
    expectations: Expectations = field(default_factory=Expectations)
    integration: Integration | None = None
    region: str | None = None
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    # --- where -------------------------------------------------------------------------

    @property
    def home_region(self) -> str:
        return self.spec.organization.home_region

    @property
    def account_id(self) -> str | None:
        """The intermediate account of the current integration, None while it is unknown."""
        return self.lock.account_id(self.integration) if self.integration else None

    def scoped(self, integration: Integration | None = None, region: str | None = None) -> Context:
        return Context(self.spec, self.lock, self.sessions, self.expectations, integration, region, self.cache)

    # --- clients -----------------------------------------------------------------------

    def management(self) -> Account:
        """The caller's account: Organizations calls go there."""
        return self.sessions.caller()

    def account(self) -> Account:
        """The current integration's account (through the assumed role)."""
        if self.account_id is None:
            raise ApiError(f"integration '{self._name}' has no account id yet")
        return self.sessions.account(self.account_id)

    @property
    def partition(self) -> str:
        return self.sessions.partition

    def memo(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per run for ``key``; a failed AWS call is remembered too."""
        if key not in self.cache:
            try:
                self.cache[key] = compute()
            except CallError as exc:
                self.cache[key] = exc
        value = self.cache[key]
        if isinstance(value, CallError):
            raise value
        return value  # type: ignore[no-any-return]

    # --- findings ----------------------------------------------------------------------

    @property
    def _name(self) -> str:
        return self.integration.name if self.integration else "organization"

    def finding(self, check_id: str, status: Status, resource: str, message: str) -> Finding:
        account = self.account_id if self.integration else self.spec.organization.management_account_id
        return Finding(check_id, status, resource, message, self._name_or_none(), account, self.region)

    def ok(self, check_id: str, resource: str, message: str) -> Finding:
        return self.finding(check_id, Status.OK, resource, message)

    def drift(self, check_id: str, resource: str, message: str) -> Finding:
        return self.finding(check_id, Status.DRIFT, resource, message)

    def missing(self, check_id: str, resource: str, message: str) -> Finding:
        return self.finding(check_id, Status.MISSING, resource, message)

    def _name_or_none(self) -> str | None:
        return self.integration.name if self.integration else None

    def where(self) -> str:
        """A resource label for the scope itself, used when a check fails before it finds one."""
        if self.integration is None:
            return f"organization {self.spec.organization.ou_name}"
        parts = [self.integration.name, self.account_id or "?"]
        if self.region:
            parts.append(self.region)
        return "/".join(parts)
