"""A pass-through HTTP proxy on 127.0.0.1 in front of the emulator that injects faults.

Clients use the proxy's URL as their endpoint (``--endpoint-url``); each request is passed
to the emulator unchanged, except that, at a chosen rate and from a seeded random sequence
(so a run is reproducible), one of these faults is injected instead. The kinds take turns
in a shuffled order, so any seven faults in a row include each kind once:

``5xx``
    a 500 or 503 answer in the request's protocol (JSON ``__type`` or query XML ``Code``),
    the request never reaching the emulator;
``throttle``
    a throttling error in one of the shapes AWS uses: JSON ``ThrottlingException`` or
    ``TooManyRequestsException``, a query-compatible JSON error whose
    ``x-amzn-query-error`` header says ``AWS.SimpleQueueService.RequestThrottled`` (SQS), or
    query XML ``Throttling`` / ``RequestThrottled``;
``reset-before``
    the connection is reset before the request is forwarded (the emulator never sees it);
``reset-after``
    the request is forwarded and done, then the connection is reset before the answer is
    sent (the client cannot know that it happened);
``malformed``
    the emulator's answer with its body cut short and garbage appended;
``empty``
    the emulator's answer (status and headers) with an empty body;
``slow``
    the emulator's answer, sent after a delay of ``slow_seconds``.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

FAULTS = ("5xx", "throttle", "reset-before", "reset-after", "malformed", "empty", "slow")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}


class _Dropped(Exception):
    """The connection was reset on purpose."""


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def protocol(self) -> str:
        content_type = self.headers.get("content-type", "")
        return "json" if content_type.startswith("application/x-amz-json") else "query"

    @property
    def operation(self) -> str:
        target = self.headers.get("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        form = parse_qs(self.body.decode("utf-8", "replace")) if self.body else {}
        query = parse_qs(urlparse(self.path).query)
        return (form.get("Action") or query.get("Action") or ["?"])[0]

    @property
    def service(self) -> str:
        """The signing name in the SigV4 credential scope (``.../eu-central-1/sqs/aws4_request``)."""
        scope = self.headers.get("authorization", "").split("Credential=", 1)[-1].split(",", 1)[0]
        parts = scope.split("/")
        return parts[3] if len(parts) >= 5 else "?"

    @property
    def sqs(self) -> bool:
        return self.headers.get("x-amz-target", "").startswith("AmazonSQS.")


@dataclass
class FaultProxy:
    """The proxy; :meth:`running` serves it on a free loopback port for the ``with`` block.

    :param upstream: the emulator's endpoint URL.
    :param rate: probability (0..1) that a request gets a fault.
    :param faults: the kinds to choose from (uniformly), see the module.
    :param seed: seed of the random sequence that decides, request by request.
    :param slow_seconds: delay of a ``slow`` answer.
    :param operations: only requests of these operations get faults (default: all).
    """

    upstream: str
    rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    seed: int = 0
    slow_seconds: float = 0.2
    operations: frozenset[str] | None = None
    #: faults injected, by kind; and by operation (``SendMessageBatch``).
    injected: Counter[str] = field(default_factory=Counter)
    faulted: Counter[str] = field(default_factory=Counter)
    #: requests the emulator carried out, by operation.
    forwarded: Counter[str] = field(default_factory=Counter)
    url: str = ""
    _random: random.Random = field(init=False, repr=False)
    _turns: list[str] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.faults) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; use some of {FAULTS}")
        self._random = random.Random(self.seed)  # noqa: S311 - a seeded, reproducible sequence, not secrets

    def configure(
        self,
        *,
        rate: float | None = None,
        faults: tuple[str, ...] | None = None,
        operations: frozenset[str] | str | None = "unchanged",
    ) -> None:
        with self._lock:
            if rate is not None:
                self.rate = rate
            if faults is not None:
                self.faults, self._turns = faults, []
            if operations != "unchanged":
                self.operations = operations  # type: ignore[assignment]

    def decide(self, request: Request) -> tuple[str | None, random.Random]:
        """The fault for this request (None: pass it through), and a random source for its details."""
        with self._lock:
            draw, detail_seed = self._random.random(), self._random.random()
            applies = self.operations is None or request.operation in self.operations
            kind = None
            if self.faults and applies and draw < self.rate:
                if not self._turns:
                    self._turns = self._random.sample(list(self.faults), len(self.faults))
                kind = self._turns.pop()
            if kind is not None:
                self.injected[kind] += 1
                self.faulted[request.operation] += 1
            return kind, random.Random(detail_seed)  # noqa: S311 - reproducible, not secrets

    @contextmanager
    def running(self) -> Iterator[FaultProxy]:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.handle_error = lambda *_: None  # type: ignore[method-assign]  # resets are on purpose
        thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
        thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def handle(self) -> None:
        with suppress(_Dropped, ConnectionError, OSError):  # a reset on purpose, or the client gave up
            super().handle()

    def finish(self) -> None:
        with suppress(OSError, ValueError):  # the socket is gone after a reset
            super().finish()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
        )
        kind, rng = self.owner.decide(request)
        if kind == "reset-before":
            self._reset()
        if kind in ("5xx", "throttle"):
            self._send(*_error(kind, request, rng))
            return
        if kind == "slow":
            time.sleep(self.owner.slow_seconds)
        status, headers, body = self._forward(request)
        self.owner.forwarded[request.operation] += 1
        if kind == "reset-after":
            self._reset()
        if kind == "malformed":
            body = body[: len(body) // 2] + b"\x00<<garbage>>{["
        elif kind == "empty":
            body = b""
        self._send(status, headers, body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def _forward(self, request: Request) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = urlparse(self.owner.upstream)
        connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=60)
        try:
            headers = {k: v for k, v in request.headers.items() if k not in _HOP_BY_HOP}
            connection.request(request.method, request.path, body=request.body, headers=headers)
            response = connection.getresponse()
            body = response.read()
            return response.status, [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP], body
        finally:
            connection.close()

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        raise _Dropped()


def _error(kind: str, request: Request, rng: random.Random) -> tuple[int, list[tuple[str, str]], bytes]:
    """An error answer of ``kind`` in the request's protocol."""
    if kind == "5xx":
        status, code = rng.choice([(500, "InternalFailure"), (503, "ServiceUnavailable"), (500, "InternalError")])
        query_header = None
    else:
        status = 400
        if request.protocol == "json":
            shapes = [("ThrottlingException", None), ("TooManyRequestsException", None)]
            if request.sqs:
                shapes.append(("RequestThrottled", "AWS.SimpleQueueService.RequestThrottled;Sender"))
            code, query_header = rng.choice(shapes)
        elif request.service == "ec2":
            code, query_header = "RequestLimitExceeded", None
        else:
            code, query_header = rng.choice(["Throttling", "RequestThrottled", "ThrottlingException"]), None
    if request.protocol == "json":
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-RequestId", "fault-proxy")]
        if query_header:
            headers.append(("x-amzn-query-error", query_header))
        body = json.dumps({"__type": f"com.amazonaws.fault#{code}", "message": "injected by the fault proxy"})
        return status, headers, body.encode()
    if request.service == "ec2":
        body = (
            f"<Response><Errors><Error><Code>{code}</Code><Message>injected by the fault proxy</Message></Error>"
            "</Errors><RequestID>fault-proxy</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml")], body.encode()
    body = (
        f"<ErrorResponse><Error><Type>{'Receiver' if status >= 500 else 'Sender'}</Type><Code>{code}</Code>"
        "<Message>injected by the fault proxy</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
    )
    return status, [("Content-Type", "text/xml")], body.encode()
