"""boto3 sessions for the audit: one per account, retried, paginated, errors made readable.

Every AWS call of a check goes through :meth:`Account.call` or :meth:`Account.pages`, and
so through :mod:`airlock.aws_calls`: retried with backoff on throttling (every protocol's
spelling), 5xx, network faults and unreadable answers. A failure becomes an
:class:`ApiError` whose message says what failed and where (``access denied to
ec2:DescribeFlowLogs in 444455556666``); the runner turns it into an ``error`` finding of
the check it affects, never a traceback, a ``missing`` or an ``ok``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

from airlock import aws_calls
from airlock.aws_calls import CallError

#: botocore's own retries are off: :mod:`airlock.aws_calls` retries every call.
DEFAULT_CONFIG = aws_calls.POLICY.config(user_agent_extra="saas-airlock-verify")
DEFAULT_ROLE_NAME = "OrganizationAccountAccessRole"

#: (event name, handler) pairs registered on every session's event system, e.g. to count calls.
Hook = tuple[str, Callable[..., Any]]


class ApiError(CallError):
    """An AWS call failed in a way a check cannot work around (see :class:`~airlock.aws_calls.CallError`)."""

    def __init__(
        self, message: str, *, code: str | None = None, transient: bool = False, kind: str = "refused"
    ) -> None:
        Exception.__init__(self, message)
        self.action = ""
        self.detail = message
        self.code = code
        self.transient = transient
        self.attempts = 1
        self.kind = kind


class SetupError(Exception):
    """The audit cannot start (no credentials, unknown profile): bad input, exit code 2."""


def action_name(client: Any, operation: str) -> str:
    """The IAM action of a boto3 operation, e.g. ``ec2:DescribeFlowLogs``."""
    return aws_calls.action_name(client, operation)


def translate(exc: CallError, account: str) -> ApiError:
    """An :class:`ApiError` that names the action, the account and what went wrong."""
    where = f"{exc.action} in {account}"
    if exc.denied:
        message = f"access denied to {where}"
    elif exc.kind == "throttled":
        message = f"{where} was still throttled after {exc.attempts} attempts ({exc.code})"
    else:
        tries = f" after {exc.attempts} attempts" if exc.attempts > 1 else ""
        message = f"{where} failed{tries}: {exc.detail}"
    return ApiError(message, code=exc.code, transient=exc.transient, kind=exc.kind)


@dataclass
class Account:
    """Clients for one AWS account, created lazily per service and region and reused."""

    account_id: str
    session: boto3.Session
    endpoint_url: str | None = None
    config: Config = DEFAULT_CONFIG
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=self.config
            )
        return self._clients[key]

    def call(self, service: str, region: str, method: str, **params: Any) -> dict[str, Any]:
        """One API call, retried by :func:`airlock.aws_calls.call`; failures become :class:`ApiError`."""
        client = self.client(service, region)
        try:
            return aws_calls.call(client, method, **params)
        except CallError as exc:
            raise translate(exc, self.account_id) from None

    def pages(self, service: str, region: str, method: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every page of a paginated call (a single page for calls that do not paginate), each retried."""
        client = self.client(service, region)
        try:
            yield from aws_calls.pages(client, method, **params)
        except CallError as exc:
            raise translate(exc, self.account_id) from None

    def items(self, service: str, region: str, method: str, key: str, **params: Any) -> list[dict[str, Any]]:
        """The ``key`` list of every page, concatenated."""
        return [item for page in self.pages(service, region, method, **params) for item in page.get(key, [])]


@dataclass
class Sessions:
    """Where the audit's credentials come from, and how it reaches each intermediate account.

    :param profile: a named profile of the shared AWS config; default: the usual credential chain.
    :param endpoint_url: send every call to this endpoint (a local emulator); default: AWS.
    :param role_name: role assumed in each intermediate account from the caller's account;
        default: ``OrganizationAccountAccessRole``, which Organizations creates in new accounts.
    :param hooks: (event, handler) pairs registered on every session, e.g. ``before-call``.
    :param region: region for STS and Organizations calls.
    :param session: use this boto3 session for the caller instead of building one from
        ``profile`` (for library users who already hold one, and tests).
    """

    profile: str | None = None
    endpoint_url: str | None = None
    role_name: str = DEFAULT_ROLE_NAME
    hooks: list[Hook] = field(default_factory=list)
    region: str = "us-east-1"
    config: Config = DEFAULT_CONFIG
    session: boto3.Session | None = None
    _base: Account | None = field(default=None, repr=False)
    _partition: str = field(default="aws", repr=False)
    _accounts: dict[str, Account | ApiError] = field(default_factory=dict, repr=False)

    def _new_session(self, **kwargs: Any) -> boto3.Session:
        core = botocore.session.get_session()
        if self._base is not None:
            # Service models are large; every account's session reads them from one loader.
            core.register_component("data_loader", self._base.session._session.get_component("data_loader"))
        session = boto3.Session(botocore_session=core, **kwargs)
        for event, handler in self.hooks:
            session.events.register(event, handler)
        return session

    def caller(self) -> Account:
        """The account of the credentials the audit runs with (normally the management account)."""
        if self._base is None:
            from botocore.exceptions import ProfileNotFound

            try:
                if self.session is not None:
                    session = self.session
                    for event, handler in self.hooks:
                        session.events.register(event, handler)
                else:
                    session = self._new_session(profile_name=self.profile) if self.profile else self._new_session()
            except ProfileNotFound as exc:
                raise SetupError(f"--profile '{self.profile}': {exc}; name a profile of your AWS config") from None
            probe = Account("caller", session, self.endpoint_url, self.config)
            try:
                identity = probe.call("sts", self.region, "get_caller_identity")
                arn, account = identity["Arn"], identity["Account"]
            except CallError as exc:
                if exc.kind == "credentials":
                    raise SetupError(
                        "no AWS credentials found; pass --profile or set the usual AWS_* variables"
                    ) from None
                if exc.denied:
                    raise SetupError(f"cannot identify the caller with sts:GetCallerIdentity: {exc}") from None
                raise ApiError(
                    f"cannot identify the caller: {exc}", code=exc.code, transient=True, kind=exc.kind
                ) from None
            self._partition = arn.split(":")[1]
            probe.account_id = account
            self._base = probe
        return self._base

    @property
    def partition(self) -> str:
        self.caller()
        return self._partition

    def account(self, account_id: str) -> Account:
        """Clients in ``account_id``: the caller's own, or through ``role_name`` assumed in it.

        :raises ApiError: the role cannot be assumed; remembered, so it is tried once per account.
        """
        base = self.caller()
        if account_id == base.account_id:
            return base
        if account_id not in self._accounts:
            role_arn = f"arn:{self._partition}:iam::{account_id}:role/{self.role_name}"
            try:
                credentials = base.call(
                    "sts", self.region, "assume_role", RoleArn=role_arn, RoleSessionName="airlock-verify"
                )["Credentials"]
                keys = (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
            except CallError as exc:
                self._accounts[account_id] = ApiError(
                    f"cannot assume {role_arn}: {exc}; pass --role-name with a role the caller may assume",
                    code=exc.code,
                    transient=exc.transient,
                    kind=exc.kind,
                )
            else:
                session = self._new_session(
                    aws_access_key_id=keys[0], aws_secret_access_key=keys[1], aws_session_token=keys[2]
                )
                self._accounts[account_id] = Account(account_id, session, self.endpoint_url, self.config)
        found = self._accounts[account_id]
        if isinstance(found, ApiError):
            raise found
        return found
