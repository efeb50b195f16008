"""The evaluator decides exactly as the reference evaluator in ``reference/`` does.

The evaluator remembers compiled policies, per-action candidate statements and per-statement
answers, and decides the plain common case without building its terms; the reference is the
evaluator before any of that. Both must give equal Decisions (verdict, reason, deciding
statements, assumptions) on every request the access proof makes on the default example, on
variations of those requests under the same policies, and on generated policy sets and
requests. Each request is decided twice by the evaluator, so answers it remembered are
checked as well as answers it computed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from airlock.access import deploy, effective, steps
from airlock.access.evaluate import evaluate
from airlock.access.model import Decision, Policy, PolicySet, Principal, Request, Source, Verdict, context
from airlock.access.policy import parse_policy
from airlock.access.proof import prove
from airlock.spec import load_account_lock
from tests.conftest import EXAMPLE_SPEC
from tests.unit.access.helpers import ACCOUNT, ANONYMOUS, OTHER, OUTSIDER, ROLE, ROLE_ARN, ROOT, S3, USER
from tests.unit.access.reference.evaluate import evaluate as reference

Pair = tuple[Request, PolicySet]


@pytest.fixture(scope="module")
def proof_requests(example_assembly, example_spec) -> list[Pair]:
    """Every (request, policy set) the access proof evaluates on the default example."""
    recorded: list[Pair] = []

    def recording(request: Request, policies: PolicySet) -> Decision:
        recorded.append((request, policies))
        return evaluate(request, policies)

    with pytest.MonkeyPatch.context() as patch:
        for module in (deploy, effective, steps):
            patch.setattr(module, "evaluate", recording)
        proof = prove(example_assembly.outdir, example_spec, load_account_lock(EXAMPLE_SPEC))
        for flow in proof.flows:  # steps decide lazily
            for step in flow.steps:
                assert step.decision.reason
        for probe in proof.probes:
            assert probe.step.decision.reason
    return recorded


def _same(pairs: list[Pair]) -> tuple[list[str], Counter[str]]:
    """Requests on which the evaluator and the reference differ, and the verdicts met."""
    differ: list[str] = []
    verdicts: Counter[str] = Counter()
    for request, policies in pairs:
        first = evaluate(request, policies)
        expected = reference(request, policies)
        again = evaluate(request, policies)
        verdicts[expected.verdict.value] += 1
        if not first == expected == again:
            differ.append(f"{request}\n  evaluator: {first}\n  again:     {again}\n  reference: {expected}")
    return differ, verdicts


def test_every_request_of_the_example_proof_is_decided_as_the_reference_decides(proof_requests) -> None:
    assert len(proof_requests) > 3000
    differ, verdicts = _same(proof_requests)
    assert differ == []
    assert verdicts["allow"] > 1000 and verdicts["deny"] > 50


def _variants(request: Request) -> Iterator[Request]:
    """The request by other principals, on other resources, with other context and casing."""
    for principal in (ROLE, USER, ROOT, OUTSIDER, S3, ANONYMOUS, dataclasses.replace(ROLE, service_linked=True)):
        yield dataclasses.replace(request, principal=principal)
    yield dataclasses.replace(request, action=request.action.upper())
    yield dataclasses.replace(request, resource="*")
    yield dataclasses.replace(request, resource=f"arn:aws:s3:::elsewhere-{ACCOUNT}/key")
    given = dict(request.context)
    for key in ("aws:principalorgid", "aws:sourceip", "aws:viaawsservice", "aws:securetransport"):
        if key in given:
            yield dataclasses.replace(request, context={k: v for k, v in given.items() if k != key})
    yield dataclasses.replace(request, context={**given, "aws:securetransport": ("false",)})
    yield dataclasses.replace(request, context={**given, "aws:principalorgid": ("o-elsewhere",)})
    yield dataclasses.replace(request, context={**given, "aws:principalarn": (f"arn:aws:iam::{OTHER}:role/x",)})


def test_variations_of_the_proof_requests_are_decided_as_the_reference_decides(proof_requests) -> None:
    varied = [(variant, policies) for request, policies in proof_requests[::3] for variant in _variants(request)]
    differ, verdicts = _same(varied)
    assert differ == []
    assert verdicts["allow"] > 1000 and verdicts["deny"] > 1000, verdicts


# Generated policy sets: a vocabulary that reaches every branch of the evaluator (wildcards,
# NotAction/NotResource/NotPrincipal, every operator family, variables, unreadable elements).

BUCKET = "arn:aws:s3:::data"
QUEUE = f"arn:aws:sqs:eu-central-1:{ACCOUNT}:buffer"
KEY = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/1234"
SESSION = ROLE.session_arn
ACTIONS = (
    "*",
    "s3:*",
    "s3:GetObject",
    "s3:Put*",
    "S3:getobject",
    "sqs:SendMessage",
    "sqs:*Message",
    "kms:Decrypt",
    "kms:*",
    "kms:RetireGrant",
    "sts:AssumeRole",
    "sts:TagSession",
    "iam:PassRole",
    "ec2:*Vpc*",
    "s?s:SendMessage",
    "*:Get*",
)
REQUEST_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "kms:Decrypt",
    "kms:RetireGrant",
    "kms:PutKeyPolicy",
    "sts:AssumeRole",
    "sts:TagSession",
    "iam:PassRole",
    "ec2:CreateVpc",
    "ssm:GetParameter",
)
RESOURCES = (
    "*",
    BUCKET,
    f"{BUCKET}/*",
    f"{BUCKET}/in/*",
    "arn:aws:s3:::data/${aws:username}/*",
    "arn:aws:s3:::data/${aws:PrincipalTag/team, 'shared'}/*",
    QUEUE,
    "arn:aws:sqs:*:*:buf*",
    KEY,
    ROLE_ARN,
    "arn:aws:iam::*:role/app",
    "not-an-arn",
)
REQUEST_RESOURCES = (
    "*",
    BUCKET,
    f"{BUCKET}/in/file.csv",
    f"{BUCKET}/bob/file.csv",
    f"{BUCKET}/shared/x",
    QUEUE,
    f"arn:aws:sqs:eu-west-1:{OTHER}:buffer",
    KEY,
    ROLE_ARN,
)
PRINCIPAL_ELEMENTS: tuple[Any, ...] = (
    "*",
    {"AWS": "*"},
    {"AWS": ACCOUNT},
    {"AWS": f"arn:aws:iam::{OTHER}:root"},
    {"AWS": ROLE_ARN},
    {"AWS": SESSION},
    {"AWS": USER.arn},
    {"AWS": [ROLE_ARN, OUTSIDER.arn]},
    {"Service": "s3.amazonaws.com"},
    {"Federated": "cognito-identity.amazonaws.com"},
    {"AWS": "arn:aws:iam::*:role/app"},
    {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", ROLE_ARN, SESSION]},  # every identity of the role session
    {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", USER.arn]},
)
CONDITIONS: tuple[tuple[str, str, Any], ...] = (
    ("StringEquals", "aws:PrincipalOrgID", "o-abc"),
    ("StringNotEquals", "aws:PrincipalOrgID", ["o-abc", "o-def"]),
    ("StringLike", "kms:ViaService", "s3.*.amazonaws.com"),
    ("StringEqualsIgnoreCase", "aws:username", "BOB"),
    ("StringEqualsIfExists", "aws:ResourceTag/team", "blue"),
    ("StringLike", "aws:PrincipalTag/team", "${aws:username}"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/app"),
    ("ArnNotLike", "aws:PrincipalArn", ["arn:aws:iam::*:role/break-glass", "arn:aws:iam::*:role/stacksets-exec-*"]),
    ("ArnEquals", "aws:SourceArn", "arn:aws:s3:::data"),
    ("Bool", "aws:SecureTransport", "false"),
    ("Bool", "aws:SecureTransport", True),
    ("BoolIfExists", "aws:ViaAWSService", "true"),
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:db8::/32"]),
    ("NotIpAddress", "aws:SourceIp", "198.51.100.0/24"),
    ("NumericLessThan", "s3:max-keys", 10),
    ("NumericGreaterThanEquals", "s3:max-keys", "x"),
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
    ("Null", "aws:ResourceTag/team", "true"),
    ("Null", "aws:SourceVpce", "false"),
    ("ForAnyValue:StringLike", "aws:TagKeys", "airlock:*"),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["team", "owner"]),
    ("StringEquals", "aws:TagKeys", "team"),
    ("BinaryEquals", "aws:SourceIp", "QmluYXJ5"),
    ("StringLikeWithTypo", "aws:SourceIp", "1.2.3.4"),
    ("StringEquals", "aws:PrincipalAccount", ACCOUNT),
    ("StringEquals", "aws:ResourceAccount", "${aws:PrincipalAccount}"),
)
CONTEXT_VALUES: dict[str, tuple[Any, ...]] = {
    "aws:PrincipalOrgID": ("o-abc", "o-zzz"),
    "aws:username": ("bob", "BOB"),
    "aws:PrincipalTag/team": ("bob", "blue", "sh*red"),
    "aws:ResourceTag/team": ("blue", "red"),
    "aws:SecureTransport": (True, False, "maybe"),
    "aws:ViaAWSService": (True, False),
    "aws:SourceIp": ("203.0.113.7", "198.51.100.1", "2001:db8::1", "nonsense"),
    "kms:ViaService": ("s3.eu-central-1.amazonaws.com", "sqs.eu-central-1.amazonaws.com"),
    "s3:max-keys": ("5", "50", "x"),
    "aws:CurrentTime": ("2021-06-01T00:00:00Z", "2019-01-01T00:00:00Z"),
    "aws:TagKeys": (["team"], ["team", "owner"], ["airlock:owner"], []),
    "aws:SourceArn": (BUCKET, QUEUE),
    "aws:ResourceAccount": (ACCOUNT, OTHER),
    "aws:SourceVpce": ("vpce-1",),
    "aws:PrincipalArn": (ROLE_ARN, "arn:aws:iam::111122223333:role/stacksets-exec-abc"),
}


def _one_or_list(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(options), st.lists(st.sampled_from(options), min_size=1, max_size=3))


@st.composite
def statements(draw: st.DrawFn, principals: bool) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(("Allow", "Allow", "Deny", "Deny", "Maybe")))}
    statement[draw(st.sampled_from(("Action", "Action", "Action", "NotAction")))] = draw(_one_or_list(ACTIONS))
    where = draw(st.sampled_from(("Resource", "Resource", "Resource", "NotResource", None)))
    if where is not None:
        statement[where] = draw(_one_or_list(RESOURCES))
    if (principals and draw(st.booleans())) or draw(st.integers(0, 9)) == 0:
        statement[draw(st.sampled_from(("Principal", "Principal", "NotPrincipal")))] = draw(
            st.sampled_from(PRINCIPAL_ELEMENTS)
        )
    condition: dict[str, dict[str, Any]] = {}
    for operator, key, value in draw(st.lists(st.sampled_from(CONDITIONS), max_size=3)):
        condition.setdefault(operator, {})[key] = value
    if condition:
        statement["Condition"] = condition
    if draw(st.integers(0, 19)) == 0:
        statement["Resource"] = {"Fn::GetAtt": ["Bucket", "Arn"]}  # unresolved: the statement is unreadable
    if draw(st.booleans()):
        statement["Sid"] = f"S{draw(st.integers(0, 3))}"
    return statement


#: Statements that hold for every request of their actions (what the evaluator decides once).
BROAD = (
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:*", "sqs:*", "kms:*", "sts:*"], "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"},
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
)


@st.composite
def policies(draw: st.DrawFn, kind: Any, name: str) -> Policy:
    principals = kind in ("resource", "trust", "key", "endpoint")
    broad = st.sampled_from(BROAD) if not principals else st.sampled_from(BROAD).map(lambda s: {**s, "Principal": "*"})
    items = st.lists(st.one_of(statements(principals), broad), min_size=1, max_size=4)
    document: dict[str, Any] = {"Statement": draw(items)}
    version = draw(st.sampled_from(("2012-10-17", "2012-10-17", "2008-10-17", None)))
    if version is not None:
        document["Version"] = version
    return parse_policy(document, Source(kind, name=name))


FULL = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    Source("scp", name="FullAWSAccess"),
)


@st.composite
def levels(draw: st.DrawFn, kind: Any) -> tuple[tuple[Policy, ...], ...] | None:
    if draw(st.booleans()):
        return None
    out = []
    for index in range(draw(st.integers(1, 3))):
        level = [FULL] if draw(st.integers(0, 3)) else []
        level += draw(st.lists(policies(kind, f"{kind}-{index}"), max_size=2))
        out.append(tuple(level))
    return tuple(out)


@st.composite
def policy_sets(draw: st.DrawFn) -> PolicySet:
    resource_kind = draw(st.sampled_from(("resource", "trust", "key", None)))
    resource = draw(policies(resource_kind, "resource")) if resource_kind else None
    return PolicySet(
        identity=tuple(draw(st.lists(policies("identity", "identity"), max_size=2))),
        boundary=draw(st.none() | policies("boundary", "boundary")),
        session=draw(st.none() | policies("session", "session")),
        scps=draw(levels("scp")),
        rcps=draw(levels("rcp")),
        resource=resource,
        resource_account=draw(st.sampled_from((None, ACCOUNT, OTHER))),
        key_policy=resource_kind == "key" and draw(st.integers(0, 4)) > 0,
        endpoint=draw(st.none() | policies("endpoint", "endpoint")),
        external_identity=draw(st.integers(0, 5)) == 0,
    )


PRINCIPALS = (ROLE, USER, ROOT, OUTSIDER, S3, ANONYMOUS, dataclasses.replace(ROLE, service_linked=True))


@st.composite
def requests(draw: st.DrawFn, principals: tuple[Principal, ...] = PRINCIPALS) -> Request:
    keys = draw(st.lists(st.sampled_from(sorted(CONTEXT_VALUES)), unique=True, max_size=6))
    values = {key: draw(st.sampled_from(CONTEXT_VALUES[key])) for key in keys}
    return Request(
        draw(st.sampled_from(principals)),
        draw(st.sampled_from(REQUEST_ACTIONS)),
        draw(st.sampled_from(REQUEST_RESOURCES)),
        context(values),
    )


def _related(policy_set: PolicySet) -> list[PolicySet]:
    """The policy set and others holding the same policy objects in other roles, so that what
    the evaluator remembered of a policy under one set is checked under the others."""
    return [
        policy_set,
        dataclasses.replace(policy_set, boundary=None, session=None),
        dataclasses.replace(policy_set, boundary=policy_set.session or FULL, session=policy_set.boundary),
        dataclasses.replace(policy_set, resource_account=None if policy_set.resource_account else ACCOUNT),
        dataclasses.replace(policy_set, scps=None, rcps=policy_set.scps, external_identity=False),
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy_sets(), st.lists(requests(), min_size=1, max_size=6))
def test_generated_policy_sets_and_requests_are_decided_as_the_reference_decides(
    policy_set: PolicySet, batch: list[Request]
) -> None:
    differ, _ = _same([(request, related) for related in _related(policy_set) for request in batch])
    assert differ == []


def _allow_all(kind: Any) -> Policy:
    return parse_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        Source(kind, name=f"{kind}-all"),
    )


@st.composite
def plain_sets(draw: st.DrawFn) -> PolicySet:
    """Policy sets of the shape most requests of a proof meet: no resource-based policy, an
    identity policy that allows everything first, and boundary, session, SCP and RCP levels and
    endpoint that often allow everything too, so the evaluator's shortcut for the plain case
    is taken, and nearly taken."""

    def often_all(kind: Any) -> st.SearchStrategy[Policy | None]:
        return st.one_of(st.none(), st.just(_allow_all(kind)), policies(kind, kind))

    generated = draw(policy_sets())
    identity = draw(st.lists(policies("identity", "identity"), max_size=1))
    if draw(st.integers(0, 3)):
        identity.insert(0, _allow_all("identity"))
    return dataclasses.replace(
        generated,
        identity=tuple(identity),
        boundary=draw(often_all("boundary")),
        session=draw(often_all("session")),
        resource=None,
        key_policy=False,
        resource_account=draw(st.sampled_from((None, ACCOUNT))),
        endpoint=draw(often_all("endpoint")),
        external_identity=False,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plain_sets(), st.lists(requests((ROLE, USER, ROLE, OUTSIDER)), min_size=1, max_size=6))
def test_generated_plain_policy_sets_are_decided_as_the_reference_decides(
    policy_set: PolicySet, batch: list[Request]
) -> None:
    differ, _ = _same([(request, related) for related in _related(policy_set) for request in batch])
    assert differ == []


@pytest.mark.parametrize("verdict", list(Verdict))
def test_the_generated_cases_reach_every_verdict(verdict: Verdict) -> None:
    """The generator is not vacuous: it reaches each verdict (find fails when it cannot)."""
    found = find(
        st.tuples(policy_sets(), requests()),
        lambda case: reference(case[1], case[0]).verdict is verdict,
        settings=settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate]),
    )
    assert reference(found[1], found[0]).verdict is verdict


def test_a_principal_answer_remembered_with_a_boundary_is_not_reused_without_one() -> None:
    """A Deny with NotPrincipal "will always deny any IAM principal that has a permissions
    boundary policy attached" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html),
    and does not apply to a principal whose every identity it lists: one statement object,
    met by the same principal with and then without a boundary, answers both ways."""
    bucket = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny",
                    "NotPrincipal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", ROLE_ARN, SESSION]},
                    "Action": "s3:*",
                    "Resource": "*",
                },
                {"Effect": "Allow", "Principal": {"AWS": ROLE_ARN}, "Action": "s3:GetObject", "Resource": "*"},
            ],
        },
        Source("resource", name="bucket"),
    )
    identity = _allow_all("identity")
    bounded = PolicySet(identity=(identity,), boundary=_allow_all("boundary"), resource=bucket)
    unbounded = PolicySet(identity=(identity,), resource=bucket)
    request = Request(ROLE, "s3:GetObject", f"{BUCKET}/in/file.csv")
    decisions = [evaluate(request, bounded), evaluate(request, unbounded), evaluate(request, bounded)]
    assert [d.verdict for d in decisions] == [Verdict.DENY, Verdict.ALLOW, Verdict.DENY]
    assert decisions == [reference(request, bounded), reference(request, unbounded), reference(request, bounded)]
