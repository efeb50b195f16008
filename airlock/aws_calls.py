"""AWS calls that tell the truth under faults: retried, checked, and named when they fail.

``airlock redrive``, ``airlock verify`` and ``airlock accounts sync`` make every AWS call
through :func:`call` (or :func:`pages`):

* A call is tried up to :attr:`RetryPolicy.attempts` times, with exponential backoff and
  full jitter, when AWS or the network says "try again": throttling in each protocol's
  spelling (JSON ``__type``, query XML ``Code``, and query codes with their
  ``AWS.<Service>.`` prefix such as ``AWS.SimpleQueueService.RequestThrottled``), HTTP 5xx,
  a connection refused, reset or timed out before or after the request was sent, and an
  answer that cannot be parsed or is empty. botocore's own retries are off in the clients
  made here (:meth:`RetryPolicy.config`), so the attempts and the backoff are these.
* An answer is checked before botocore parses it: a JSON body that is not JSON, or an
  empty body where the operation returns data, is a fault (botocore would otherwise
  return an empty result, which reads as "there is nothing").
* The answer is a :class:`Response`: reading a key it lacks raises :class:`CallError`
  naming the call, not ``KeyError``.
* When the attempts are used up, or AWS refuses the call, :class:`CallError` names the
  service and the call (``sqs:ReceiveMessage``), what happened and how often it was tried;
  ``transient`` says whether running the command again may succeed (throttling, 5xx,
  network, unreadable answers) or not (access denied, a queue that does not exist).

A retried call may have been carried out already (the connection broke after the request
reached AWS): callers make each call safe to repeat, or say what a repeat can cause.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

#: Throttling codes (botocore's own list, EC2's, and the query-compatible SQS spelling once
#: its ``AWS.<Service>.`` prefix is removed).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "KmsThrottled",
    }
)
#: Codes of a server-side fault that a later attempt may not meet.
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "Unavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AuthorizationErrorException",
        "UnauthorizedAccess",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSecurity",
        "SignatureDoesNotMatch",
        "AccessDeniedForDependencyException",
    }
)
_QUERY_PREFIX = re.compile(r"^AWS\.[A-Za-z0-9]+\.")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a call is tried.

    :param attempts: tries per call, the first included.
    :param base_delay: backoff before the second try, in seconds; it doubles per try.
    :param max_delay: longest backoff between two tries.
    :param connect_timeout: seconds to wait for a connection.
    :param read_timeout: seconds to wait for an answer once the request is sent.
    """

    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False, repr=False)
    jitter: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int) -> float:
        """Backoff after failed try ``attempt`` (1-based): full jitter over the exponential step."""
        return self.jitter.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def config(self, **extra: Any) -> Config:
        """A botocore config for clients whose calls go through :func:`call`: botocore's own
        retries off (one attempt each), the timeouts of this policy."""
        return Config(
            retries={"mode": "standard", "total_max_attempts": 1},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            **extra,
        )

    def with_attempts(self, attempts: int) -> RetryPolicy:
        return replace(self, attempts=attempts)


#: The policy of every command; tests replace it with a faster one.
POLICY = RetryPolicy()


class CallError(Exception):
    """An AWS call failed; the message names the service and the call, and what happened."""

    def __init__(
        self,
        action: str,
        detail: str,
        *,
        code: str | None = None,
        transient: bool = False,
        attempts: int = 1,
        kind: str = "refused",
    ) -> None:
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{action} failed{tries}: {detail}")
        self.action = action
        self.detail = detail
        self.code = code
        self.transient = transient
        self.attempts = attempts
        #: throttled, server, network, unreadable, denied, credentials or refused.
        self.kind = kind

    @property
    def denied(self) -> bool:
        return self.kind == "denied"


class UnreadableResponse(ResponseParserError):
    """AWS answered with a body that is empty where data was due, or not the protocol's format."""


def normalized_code(code: str) -> str:
    """``AWS.SimpleQueueService.RequestThrottled`` -> ``RequestThrottled``; other codes as they are."""
    return _QUERY_PREFIX.sub("", code)


def error_code(exc: ClientError) -> str:
    response = exc.response or {}
    error = response.get("Error", {}) or {}
    return str(error.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))


def _classify(exc: Exception) -> tuple[str, str, str | None, bool]:
    """(kind, what happened, the error code, whether another try may succeed)."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = int((exc.response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        message = ((exc.response or {}).get("Error", {}) or {}).get("Message") or ""
        plain = normalized_code(code)
        if plain in THROTTLING_CODES:
            return "throttled", f"throttled ({code})", code, True
        if plain in TRANSIENT_CODES or status >= 500 or (code.isdigit() and int(code) >= 500):
            shown = f": {message[:200]}" if message else ""
            return "server", f"server error {status or code} ({code}){shown}", code, True
        if code in DENIED_CODES:
            return "denied", f"access denied ({code})", code, False
        return "refused", f"{code}: {message or 'refused'}", code, False
    if isinstance(exc, ResponseParserError):
        return "unreadable", f"the answer could not be read ({str(exc).split('.')[0]})", None, True
    if isinstance(exc, NoCredentialsError | PartialCredentialsError | ProfileNotFound):
        return "credentials", str(exc), None, False
    if isinstance(exc, ConnectionError | HTTPClientError | IncompleteReadError):
        return "network", f"the connection failed ({exc})", None, True
    return "refused", str(exc), None, False


def _check_body(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """``before-parse`` handler: refuse JSON that is not JSON, and empty bodies where data is due."""
    service = operation_model.service_model
    protocol = getattr(service, "resolved_protocol", None) or service.protocol
    if protocol not in ("json", "rest-json") or operation_model.has_streaming_output:
        return
    body = response_dict.get("body") or b""
    status = int(response_dict.get("status_code") or 0)
    if status >= 500:
        return  # a server error: retried on its status whatever the body says
    output = operation_model.output_shape
    if not body.strip():
        if status >= 400 or (output is not None and output.members):
            raise UnreadableResponse(f"Unable to parse response: empty body (HTTP {status})")
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        raise UnreadableResponse(f"Unable to parse response: not JSON (HTTP {status})") from None
    if not isinstance(parsed, dict):
        raise UnreadableResponse(f"Unable to parse response: not a JSON object (HTTP {status})")


def install(client: Any) -> Any:
    """Register the answer check on ``client`` (once); return the client."""
    if not getattr(client, "_airlock_checked", False):
        client.meta.events.register_first("before-parse", _check_body)
        client._airlock_checked = True
    return client


def action_name(client: Any, method: str) -> str:
    """The IAM action of a boto3 method, e.g. ``sqs:ReceiveMessage``."""
    model = client.meta.service_model
    operation = client.meta.method_to_api_mapping.get(method, method)
    prefix = model.signing_name or model.endpoint_prefix
    return f"{prefix}:{operation}"


class Response(dict[str, Any]):
    """An answer whose missing keys raise :class:`CallError` naming the call."""

    action: str = "the call"

    def __missing__(self, key: str) -> Any:
        raise CallError(
            self.action, f"the answer has no '{key}' (incomplete or malformed)", transient=True, kind="unreadable"
        )


def _wrap(value: Any, action: str) -> Any:
    if isinstance(value, dict):
        wrapped = Response({key: _wrap(item, action) for key, item in value.items()})
        wrapped.action = action
        return wrapped
    if isinstance(value, list):
        return [_wrap(item, action) for item in value]
    return value


def call(client: Any, method: str, *, policy: RetryPolicy | None = None, **params: Any) -> Response:
    """``client.<method>(**params)``, retried per ``policy`` (default :data:`POLICY`)."""
    policy = policy or POLICY
    action = action_name(install(client), method)
    for attempt in range(1, policy.attempts + 1):
        try:
            result: Response = _wrap(getattr(client, method)(**params), action)
            return result
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            kind, detail, code, transient = _classify(exc)
            if not transient or attempt == policy.attempts:
                raise CallError(action, detail, code=code, transient=transient, attempts=attempt, kind=kind) from None
            policy.sleep(policy.delay(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def pages(client: Any, method: str, *, policy: RetryPolicy | None = None, **params: Any) -> Iterator[Response]:
    """Every page of a paginated call, each page retried on its own (a single page if it does not paginate)."""
    install(client)
    if not client.can_paginate(method):
        yield call(client, method, policy=policy, **params)
        return
    config = client.get_paginator(method)._pagination_cfg
    input_token, output_token = config["input_token"], config["output_token"]
    if not isinstance(input_token, str) or not isinstance(output_token, str) or "." in output_token:
        raise ValueError(f"{method} paginates in a way pages() does not follow; call it page by page")
    token = None
    while True:
        page = call(client, method, policy=policy, **params, **({input_token: token} if token else {}))
        yield page
        token = page.get(output_token)
        if not token:
            return
