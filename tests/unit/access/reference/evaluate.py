"""Reference copy of ``airlock.access.evaluate`` (see the package docstring); its tables are the evaluator's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from airlock.access.context import lookup_for
from airlock.access.evaluate import (
    TRUST_ACTIONS,
    _allowed,
    _deny_policies,
    _level_failure,
    _rcps_apply,
    _scps_apply,
    _undecided,
)
from airlock.access.model import Decision, Policy, PolicySet, Request, Verdict
from airlock.access.tri import Tri, all_
from tests.unit.access.reference.compiled import Probe, Scan, scan
from tests.unit.access.reference.grants import Found, Grant, Term
from tests.unit.access.reference.paths import grant


def evaluate(request: Request, policies: PolicySet) -> Decision:
    """The verdict on ``request`` given every policy it meets."""
    principal = request.principal
    action = request.action.lower()
    if policies.resource is not None and policies.resource.source.kind == "trust" and action not in TRUST_ACTIONS:
        policies = replace(policies, resource=None)
    probe = Probe(
        action,
        action.partition(":")[0],
        request.resource,
        principal,
        lookup_for(request),
        policies.boundary is not None,
    )
    scps = policies.scps if policies.scps is not None and _scps_apply(principal) else None
    rcps = policies.rcps if policies.rcps is not None and _rcps_apply(probe) else None
    denies = scan(_deny_policies(policies, principal, scps, rcps), "Deny", probe, first=True)
    if denies.applying:
        source = denies.applying[0][0].statement.source
        return Decision(Verdict.DENY, f"denied: explicit deny in {source.describe()}", (source,))
    return _decide(probe, policies, scps, rcps, denies)


def _levels(levels: Sequence[Sequence[Policy]] | None, probe: Probe, kind: str) -> list[Term]:
    """One term per level: "there must be an explicit Allow statement at every level from the
    root through each OU in the direct path to the account"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html)."""
    terms: list[Term] = []
    for index, level in enumerate(levels or ()):
        result = scan(level, "Allow", probe, first=True)
        terms.append(Term.of(kind, result, _level_failure(kind, index, len(levels or ()), level)))
    return terms


def _endpoint(policies: PolicySet, probe: Probe) -> list[Term]:
    """An endpoint policy "does not override or replace identity-based policies or
    resource-based policies": it must allow, and grants nothing
    (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)."""
    if policies.endpoint is None:
        return []
    endpoint = policies.endpoint
    result = scan((endpoint,), "Allow", probe, first=True)
    return [Term.of("endpoint", result, lambda: f"no statement of the {endpoint.source.describe()} allows it")]


def _decide(
    probe: Probe,
    policies: PolicySet,
    scps: Sequence[Sequence[Policy]] | None,
    rcps: Sequence[Sequence[Policy]] | None,
    denies: Scan,
) -> Decision:
    """Nothing grants it: denied, naming the grant's failing term (whatever the layers say).
    Otherwise the first layer that does not allow it denies; unknowns make it undecided."""
    granted = _grant(probe, policies)
    assumptions = granted.assumptions
    if isinstance(granted, Grant) and granted.value is False:
        term = granted.closest()
        return Decision(Verdict.DENY, f"denied: {term.reason}", term.consulted, assumptions)
    layers = [*_levels(scps, probe, "SCP"), *_levels(rcps, probe, "RCP"), *_endpoint(policies, probe)]
    failing = next((term for term in layers if term.value is False), None)
    if failing is not None:
        return Decision(Verdict.DENY, f"denied: {failing.reason}", failing.consulted, assumptions)
    if isinstance(granted, Decision):
        return granted
    allowed: Tri = all_([*(term.value for term in layers), granted.value])
    maybe: Found = list(denies.maybe)
    if allowed is True and not maybe:
        return _allowed(layers, granted)
    for term in layers:
        if term.value is None:
            maybe.extend(term.maybe)
    if granted.value is None:
        maybe.extend(granted.maybe())
    return _undecided(maybe, probe, granted.assumptions)


def _grant(probe: Probe, policies: PolicySet) -> Grant | Decision:
    principal = probe.principal
    owner = policies.resource_account
    if principal.account is None or policies.resource is None or owner is not None:
        cross = owner is not None and principal.account is not None and principal.account != owner
        return grant(probe, policies, cross=cross)
    same, cross_grant = grant(probe, policies, cross=False), grant(probe, policies, cross=True)
    if same.value == cross_grant.value:
        return same
    source = policies.resource.source
    return Decision(
        Verdict.UNDECIDED,
        f"undecided: the account that owns the resource of {source.describe()} is unknown, and the "
        "same-account and cross-account rules give different answers",
        (source,),
        same.assumptions,
    )
