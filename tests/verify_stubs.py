"""Hand-made AWS responses for unit tests of `airlock verify` checks (botocore Stubber).

``Stubs`` hands out real boto3 clients with a Stubber activated on each, wired into a
:class:`~airlock.verify.Sessions` so that checks reach them exactly as they would reach AWS.
``canned_http`` answers at the HTTP layer instead (``before-send``), so botocore's retry
handler runs: that is how throttling is tested.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber

from airlock.spec import AccountLock, Spec, validate
from airlock.verify import Context, Expectations, Sessions
from airlock.verify.aws import Account
from airlock.verify.context import integration_stack_name
from airlock.verify.discovery import DeployedStack
from tests.specs import spec_data

MANAGEMENT = "100000000001"
CRM = "210000000001"  # the crm integration's adopted account in tests/specs.py
PAYROLL = "220000000002"
REGION = "eu-central-1"


def make_spec(**changes: Any) -> Spec:
    return validate(spec_data(**changes))


def make_lock() -> AccountLock:
    return AccountLock(ids={"payroll": PAYROLL})


_SESSION: list[boto3.Session] = []


def _shared_session() -> boto3.Session:
    """One session for every test: it caches the service models, which are slow to load."""
    if not _SESSION:
        _SESSION.append(boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION))
    return _SESSION[0]


@dataclass
class Stubs:
    """Stubbed clients per (account, service, region), and the Sessions that serves them."""

    session: boto3.Session = field(default_factory=_shared_session)
    stubbers: dict[tuple[str, str, str], Stubber] = field(default_factory=dict)
    sessions: Sessions = field(default_factory=Sessions)

    def __post_init__(self) -> None:
        self.sessions._base = Account(MANAGEMENT, self.session)

    def account(self, account_id: str) -> Account:
        if account_id == MANAGEMENT:
            assert self.sessions._base is not None
            return self.sessions._base
        found = self.sessions._accounts.setdefault(account_id, Account(account_id, self.session))
        assert isinstance(found, Account)
        return found

    def __call__(self, service: str, account_id: str = CRM, region: str = REGION) -> Stubber:
        key = (account_id, service, region)
        if key not in self.stubbers:
            stubber = Stubber(self.account(account_id).client(service, region))
            stubber.activate()
            self.stubbers[key] = stubber
        return self.stubbers[key]

    def assert_no_pending_responses(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()

    def context(
        self,
        spec: Spec | None = None,
        *,
        integration: str | None = None,
        region: str | None = None,
        expectations: Expectations | None = None,
    ) -> Context:
        spec = spec or make_spec()
        root = Context(spec, make_lock(), self.sessions, expectations or Expectations())
        if integration is None:
            return root
        return root.scoped(spec.integration(integration), region)


def denied(stubber: Stubber, method: str, code: str = "AccessDenied") -> None:
    stubber.add_client_error(method, service_error_code=code, service_message="not authorized", http_status_code=403)


def with_stack(ctx: Context, stack: DeployedStack | None) -> Context:
    """Pre-load the integration stack of ``ctx`` (as discovery would have read it)."""
    assert ctx.integration is not None and ctx.region is not None
    name = integration_stack_name(ctx.integration, ctx.region)
    ctx.cache[("stack", ctx.account_id, ctx.region, name)] = stack
    return ctx


def network_stack(
    name: str = "airlock-crm-eu-central-1",
    *,
    vpc: str = "vpc-1",
    log_group: str = "crm-flow-logs",
    retention: int = 365,
    status: str = "CREATE_COMPLETE",
) -> DeployedStack:
    """A stack with one VPC, its flow log and the flow-log group, as CloudFormation lists them."""
    return DeployedStack(
        name=name,
        status=status,
        resources={
            "NetworkVpc": ("AWS::EC2::VPC", vpc),
            "NetworkFlowLogGroup": ("AWS::Logs::LogGroup", log_group),
            "NetworkFlowLog": ("AWS::EC2::FlowLog", "fl-1"),
        },
        template={
            "Resources": {
                "NetworkVpc": {"Type": "AWS::EC2::VPC", "Properties": {}},
                "NetworkFlowLogGroup": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": retention}},
                "NetworkFlowLog": {
                    "Type": "AWS::EC2::FlowLog",
                    "Properties": {
                        "ResourceId": {"Ref": "NetworkVpc"},
                        "ResourceType": "VPC",
                        "TrafficType": "ALL",
                        "LogGroupName": {"Ref": "NetworkFlowLogGroup"},
                    },
                },
            }
        },
    )


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def canned_http(client: Any, event: str, responses: list[tuple[int, str]]) -> list[int]:
    """Answer ``event`` (e.g. ``before-send.ec2.DescribeFlowLogs``) with ``responses`` in turn,
    below the retry handler; return a list that records each attempt's status."""
    attempts: list[int] = []
    queue = list(responses)

    def send(request: Any, **_: Any) -> AWSResponse:
        status, body = queue.pop(0) if len(queue) > 1 else queue[0]
        attempts.append(status)
        return AWSResponse(request.url, status, {}, _Raw(body.encode()))

    client.meta.events.register(event, send)
    return attempts


EC2_THROTTLED = (
    "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
    "</Error></Errors><RequestID>r</RequestID></Response>"
)
EC2_FLOW_LOGS = (
    '<DescribeFlowLogsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId>'
    "<flowLogSet><item><flowLogId>fl-1</flowLogId><resourceId>vpc-1</resourceId><trafficType>ALL</trafficType>"
    "<flowLogStatus>ACTIVE</flowLogStatus><logGroupName>crm-flow-logs</logGroupName></item></flowLogSet>"
    "</DescribeFlowLogsResponse>"
)


_DENIALS = {
    "ec2": "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors>"
    "</Response>",
    "query": "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error>"
    "</ErrorResponse>",
    "json": '{"__type": "AccessDeniedException", "message": "no"}',
}


def deny_everything(stubs: Stubs, account_id: str, services: tuple[str, ...], region: str = REGION) -> None:
    """Every call of these clients is answered 403 in the service's own error format."""
    for service in services:
        client = stubs.account(account_id).client(service, region)
        protocol = client.meta.service_model.protocol
        body = _DENIALS["query" if protocol == "query" else protocol if protocol in _DENIALS else "json"]
        canned_http(client, f"before-send.{client.meta.service_model.endpoint_prefix}", [(403, body)])
