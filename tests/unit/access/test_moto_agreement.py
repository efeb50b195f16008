"""The evaluator and moto's IAM access-control evaluator agree on identity policies.

moto (``moto/iam/access_control.py``: ``IAMPolicy``/``IAMPolicyStatement``) evaluates the
identity policies of a principal: a Deny that applies denies, else an Allow that applies
allows, else the request is implicitly denied. Hypothesis generates identity policies and
requests inside what moto evaluates as AWS does, and both engines must agree.

Where moto is known to differ from AWS, and so excluded from generation:

- a condition that does not hold makes moto return DENIED even for an Allow statement, and
  moto ignores keys missing from the request; only conditions that hold are generated
  (``StringEquals`` on a key the request carries, the one operator moto implements);
- moto matches actions case-sensitively and turns patterns into regular expressions without
  escaping (``.`` matches any character, ``?`` is a regex quantifier): actions keep their
  case and patterns use only letters, ``:``, ``/``, ``-`` and ``*``;
- moto's ``*`` crosses ``:`` in resources, AWS's does not: wildcards appear only in the last
  segment of resource patterns;
- moto treats a statement without ``Resource`` (``NotResource``) as matching every request:
  every generated statement has ``Resource``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto.iam.access_control import IAMPolicy, PermissionResult

from airlock.access.model import Source, Verdict
from airlock.access.policy import parse_policy
from tests.unit.access.helpers import ROLE, decide, request

SERVICES = {
    "s3": ("GetObject", "PutObject", "DeleteObject", "ListBucket"),
    "sqs": ("SendMessage", "ReceiveMessage", "DeleteMessage"),
    "kms": ("Decrypt", "Encrypt", "GenerateDataKey"),
}
RESOURCES = (
    "arn:aws:s3:::data",
    "arn:aws:s3:::data/in/file",
    "arn:aws:s3:::other/key",
    "arn:aws:sqs:eu-central-1:111122223333:buffer",
    "arn:aws:sqs:eu-central-1:111122223333:buffer-dlq",
    "arn:aws:kms:eu-central-1:111122223333:key/abc",
)
CONTEXT = {"aws:PrincipalTag/team": "payroll", "aws:RequestedRegion": "eu-central-1"}


@st.composite
def actions(draw: st.DrawFn) -> str:
    service = draw(st.sampled_from(sorted(SERVICES)))
    name = draw(st.sampled_from(SERVICES[service]))
    form = draw(st.sampled_from(["exact", "prefix", "service", "all"]))
    if form == "exact":
        return f"{service}:{name}"
    if form == "prefix":
        return f"{service}:{name[: draw(st.integers(1, len(name) - 1))]}*"
    return f"{service}:*" if form == "service" else "*"


@st.composite
def resources(draw: st.DrawFn) -> str:
    resource = draw(st.sampled_from(RESOURCES))
    form = draw(st.sampled_from(["exact", "tail", "all"]))
    if form == "exact":
        return resource
    if form == "all":
        return "*"
    head, _, tail = resource.rpartition(":")
    return f"{head}:{tail[: draw(st.integers(0, len(tail)))]}*"


def one_or_list(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | list[str]]:
    return st.one_of(strategy, st.lists(strategy, min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Deny"]))}
    statement["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = draw(one_or_list(actions()))
    statement["Resource"] = draw(one_or_list(resources()))
    if draw(st.booleans()):
        key = draw(st.sampled_from(sorted(CONTEXT)))
        statement["Condition"] = {"StringEquals": {key: CONTEXT[key]}}
    return statement


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    listed = draw(st.lists(statements(), min_size=1, max_size=4))
    body: Any = listed[0] if len(listed) == 1 and draw(st.booleans()) else listed
    return {"Version": "2012-10-17", "Statement": body}


def moto_allows(documents_: list[dict[str, Any]], action: str, resource: str) -> bool:
    """moto's verdict, combined across policies as ``IAMRequestBase.check_action_permitted``."""
    permitted = False
    for document in documents_:
        result = IAMPolicy(json.dumps(document)).is_action_permitted(action, resource, None, dict(CONTEXT))
        if result == PermissionResult.DENIED:
            return False
        permitted = permitted or result == PermissionResult.PERMITTED
    return permitted


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    policies=st.lists(documents(), min_size=1, max_size=3),
    service=st.sampled_from(sorted(SERVICES)),
    data=st.data(),
)
def test_identity_policy_verdicts_agree_with_moto(
    policies: list[dict[str, Any]], service: str, data: st.DataObject
) -> None:
    action = f"{service}:{data.draw(st.sampled_from(SERVICES[service]))}"
    resource = data.draw(st.sampled_from(RESOURCES))
    parsed = tuple(parse_policy(document, Source("identity", name=f"p{i}")) for i, document in enumerate(policies))
    ours = decide(request(ROLE, action, resource, ctx=dict(CONTEXT)), identity=parsed)
    assert ours.verdict is not Verdict.UNDECIDED, ours.reason
    assert ours.allowed == moto_allows(policies, action, resource), (ours.reason, policies, action, resource)


def test_the_comparison_can_fail() -> None:
    """A case where the engines are known to differ (an unmet Allow condition: moto denies,
    AWS ignores the statement) shows that the comparison detects disagreement."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "hr"}},
            },
        ],
    }
    ours = decide(
        request(ROLE, "s3:GetObject", "arn:aws:s3:::data", ctx=dict(CONTEXT)),
        identity=(parse_policy(document, Source("identity")),),
    )
    assert ours.allowed
    assert moto_allows([document], "s3:GetObject", "arn:aws:s3:::data") is False
