"""Decide one request against the policies it meets, with AWS's documented evaluation logic.

Order (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html):

1. an explicit deny that applies in any policy (SCP, RCP, identity, boundary, session,
   resource/trust/key, endpoint) denies;
2. a grant (:mod:`airlock.access.grants`) and every required layer must allow: each SCP
   level of the principal's account, each RCP level of the resource's account (for the
   services RCPs support), the VPC endpoint policy when the request passes an endpoint; the
   grant is decided first, so a request nothing grants is denied without reading the layers;
3. anything that cannot be evaluated and could change that outcome makes the verdict
   UNDECIDED, naming the statements.

``docs/policy-evaluation.md`` lists every rule with its documentation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from itertools import chain

from airlock.access.compiled import Probe, Scan, lead, scan
from airlock.access.context import lookup_for
from airlock.access.grants import Found, Grant, Term
from airlock.access.model import Decision, Policy, PolicySet, Principal, Request, Source, Verdict
from airlock.access.paths import grant, terms_of
from airlock.access.tri import Tri

#: Services whose resources RCPs restrict: S3, STS, KMS, SQS and Secrets Manager at launch
#: (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services),
#: then Amazon ECR and OpenSearch Serverless (June 2025), Amazon Cognito user pools and
#: CloudWatch Logs (January 2026), DynamoDB (February 2026). Amazon Cognito identity pools
#: (``cognito-identity``) are covered too: AWS's own identity-perimeter RCP lists
#: ``cognito-identity:*`` beside ``cognito-idp:*`` (aws-samples/data-perimeter-policy-examples,
#: resource_control_policies/identity_perimeter_rcp.json).
RCP_SERVICES = frozenset(
    {
        "s3",
        "sts",
        "kms",
        "sqs",
        "secretsmanager",
        "ecr",
        "aoss",
        "cognito-identity",
        "cognito-idp",
        "logs",
        "dynamodb",
    }
)


#: Actions a role's trust policy decides; for any other action it is not consulted
#: (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#term_trust-policy:
#: "A JSON policy document in which you define the principals that you trust to assume the role").
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:setsourceidentity",
        "sts:tagsession",
    }
)


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


def _scps_apply(principal: Principal) -> bool:
    """SCPs limit IAM principals of member accounts, not service principals or
    service-linked roles (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)."""
    return principal.kind in ("role", "user", "root") and not principal.service_linked


def _rcps_apply(probe: Probe) -> bool:
    """RCPs cover the supported services only, never service-linked roles, and
    "kms:RetireGrant permission isn't effective in an RCP"
    (https://docs.aws.amazon.com/kms/latest/developerguide/resource-control-policies.html)."""
    return probe.prefix in RCP_SERVICES and not probe.principal.service_linked and probe.action != "kms:retiregrant"


def _deny_policies(
    policies: PolicySet,
    principal: Principal,
    scps: Sequence[Sequence[Policy]] | None,
    rcps: Sequence[Sequence[Policy]] | None,
) -> list[Policy]:
    found: list[Policy] = [policy for level in (scps or ()) for policy in level]
    found.extend(policy for level in (rcps or ()) for policy in level)
    found.extend(policies.identity)
    if policies.boundary is not None:
        found.append(policies.boundary)
    if policies.session is not None and principal.kind == "role":
        found.append(policies.session)
    if policies.resource is not None:
        found.append(policies.resource)
    if policies.endpoint is not None:
        found.append(policies.endpoint)
    return found


def _level_name(index: int, count: int, kind: str) -> str:
    if count > 1 and index == 0:
        return "the organization root"
    if index == count - 1:
        return "the account"
    return f"OU level {index}"


def _levels(levels: Sequence[Sequence[Policy]] | None, probe: Probe, kind: str) -> Iterator[Term]:
    """One term per level: "there must be an explicit Allow statement at every level from the
    root through each OU in the direct path to the account"
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html)."""
    count = len(levels or ())
    for index, level in enumerate(levels or ()):
        found = lead(level, "Allow", probe)
        if found is not None:  # an allowing Term: its failure text and consulted policies are never read
            yield Term(kind, True, "", (found[0].statement.source,))
            continue
        result = scan(level, "Allow", probe, first=True)
        yield Term.of(kind, result, _level_failure(kind, index, count, level))


def _level_failure(kind: str, index: int, count: int, level: Sequence[Policy]) -> Callable[[], str]:
    def failure() -> str:
        name = _level_name(index, count, kind)
        names = ", ".join(policy.source.describe() for policy in level) or f"no {kind}"
        return f"no {kind} attached at {name} allows it ({names})"

    return failure


def _endpoint(policies: PolicySet, probe: Probe) -> Iterator[Term]:
    """An endpoint policy "does not override or replace identity-based policies or
    resource-based policies": it must allow, and grants nothing
    (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html)."""
    if policies.endpoint is None:
        return
    endpoint = policies.endpoint
    result = scan((endpoint,), "Allow", probe, first=True)
    yield Term.of("endpoint", result, lambda: f"no statement of the {endpoint.source.describe()} allows it")


def _decide(
    probe: Probe,
    policies: PolicySet,
    scps: Sequence[Sequence[Policy]] | None,
    rcps: Sequence[Sequence[Policy]] | None,
    denies: Scan,
) -> Decision:
    """Nothing grants it: denied, naming the grant's failing term (whatever the layers say).
    Otherwise the first layer that does not allow it denies; unknowns make it undecided."""
    if not denies.maybe:
        plain = _plainly_allowed(probe, policies, scps, rcps)
        if plain is not None:
            return plain
    granted = _grant(probe, policies)
    assumptions = granted.assumptions
    if isinstance(granted, Grant) and granted.value is False:
        term = granted.closest()
        return Decision(Verdict.DENY, f"denied: {term.reason}", term.consulted, assumptions)
    layers: list[Term] = []
    allowed: Tri = True
    for term in chain(_levels(scps, probe, "SCP"), _levels(rcps, probe, "RCP"), _endpoint(policies, probe)):
        if term.value is False:  # the first layer that does not allow it denies; the rest are not read
            return Decision(Verdict.DENY, f"denied: {term.reason}", term.consulted, assumptions)
        if term.value is None:
            allowed = None
        layers.append(term)
    if isinstance(granted, Decision):
        return granted
    if granted.value is None:
        allowed = None
    maybe: Found = list(denies.maybe)
    if allowed is True and not maybe:
        return _allowed(layers, granted)
    for term in layers:
        if term.value is None:
            maybe.extend(term.maybe)
    if granted.value is None:
        maybe.extend(granted.maybe())
    return _undecided(maybe, probe, granted.assumptions)


def _plainly_allowed(
    probe: Probe,
    policies: PolicySet,
    scps: Sequence[Sequence[Policy]] | None,
    rcps: Sequence[Sequence[Policy]] | None,
) -> Decision | None:
    """The decision of the common case without building its grant and layer terms: a role or
    user of the resource's account, no resource-based policy, and at every policy the principal
    needs (identity, boundary, session, each SCP and RCP level, endpoint) a statement that allows
    it whatever the request's resource and context (:func:`lead`). The grant is then the
    identity path, and the decision what :func:`_allowed` says. None when the case is not plain:
    the full evaluation decides it."""
    principal = probe.principal
    owner = policies.resource_account
    if policies.resource is not None or policies.key_policy or policies.external_identity:
        return None
    if principal.kind not in ("role", "user") or (owner is not None and principal.account not in (None, owner)):
        return None
    sources: list[Source] = []
    found = lead(policies.identity, "Allow", probe)
    if found is None:
        return None
    sources.append(found[0].statement.source)
    session = policies.session if principal.kind == "role" else None
    for policy in (policies.boundary, session):
        if policy is not None:
            found = lead((policy,), "Allow", probe)
            if found is None:
                return None
            sources.append(found[0].statement.source)
    said = " and ".join(source.describe() for source in sources)
    endpoint = ((policies.endpoint,),) if policies.endpoint is not None else ()
    for level in chain(scps or (), rcps or (), endpoint):
        found = lead(level, "Allow", probe)
        if found is None:
            return None
        sources.append(found[0].statement.source)
    return Decision(Verdict.ALLOW, f"allowed: {said}", tuple(sources))


def _grant(probe: Probe, policies: PolicySet) -> Grant | Decision:
    principal = probe.principal
    owner = policies.resource_account
    if principal.account is None or policies.resource is None or owner is not None:
        cross = owner is not None and principal.account is not None and principal.account != owner
        return grant(probe, policies, cross=cross)
    terms = terms_of(probe, policies)
    same, cross_grant = (
        grant(probe, policies, cross=False, terms=terms),
        grant(probe, policies, cross=True, terms=terms),
    )
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


def _allowed(layers: list[Term], granted: Grant) -> Decision:
    path = granted.granting()
    grant_sources = [source for term in path for source in term.allowing]
    layer_sources = [source for term in layers for source in term.allowing]
    said = " and ".join(source.describe() for source in grant_sources) or _implicit(granted)
    return Decision(Verdict.ALLOW, f"allowed: {said}", tuple(grant_sources + layer_sources), granted.assumptions)


def _implicit(granted: Grant) -> str:
    return "the assumed identity policies" if granted.assumptions else "the account root user's own access"


def _undecided(maybe: Found, probe: Probe, assumptions: tuple[str, ...]) -> Decision:
    seen: dict[Source, None] = {}
    for statement, _ in maybe:
        seen.setdefault(statement.statement.source, None)
    first = maybe[0][0]
    why = first.explain(probe.action, probe.resource, probe.principal, probe.lookup, probe.has_boundary)
    return Decision(
        Verdict.UNDECIDED, f"undecided: {first.statement.source.describe()} {why}", tuple(seen), assumptions
    )
