"""A vendor's effective access, exhaustively: what it can do, compared with what its grants declare.

For each declared vendor principal: the sessions of every role it can assume in the
integration's account, and the principal itself calling the account's resources directly.
Every action of the IAM action catalogue is considered against every resource of the
integration's account (each action against the resources of the types it acts on) and ``*``.

An action can only be allowed if some Allow statement covers it: the principal's identity
policies, or a resource or key policy statement that names the principal (or ``*``). Actions
no such statement covers are implicitly denied, without a request to evaluate; every other
pair is evaluated, once per calling path (directly, and through each AWS service that calls
KMS for it). The result is the exact list of allowed (action, resource, path).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from airlock import grants
from airlock.access import action_catalogue as catalogue
from airlock.access.chains import assume_steps, fas_context, session_of, vendor_context
from airlock.access.evaluate import evaluate
from airlock.access.model import Decision, Policy, Principal, Statement, Verdict
from airlock.access.policy import actions_matching
from airlock.access.view import IntegrationView, RegionView
from airlock.access.world import World
from airlock.spec.access import OBJECT_GRANTS

#: Services that call KMS with a caller's permissions for the resources airlock creates.
KEY_CALLERS: tuple[str, ...] = ("sqs", "s3", "sns", "logs")
DIRECT = "direct"


@dataclass(frozen=True)
class Access:
    """One thing a principal can do: ``action`` on ``resource``, directly or ``via`` a service."""

    action: str
    resource: str
    via: str = DIRECT
    role: str | None = None
    #: The request context that made the difference, e.g. ``s3:prefix=drop/x/``; empty: none.
    context: str = ""

    def describe(self) -> str:
        path = "" if self.via == DIRECT else f" via {self.via}"
        context = f" with {self.context}" if self.context else ""
        own = " from the role's own session" if self.role is not None and self.resource == self.role else ""
        return f"{self.action} on {display_resource(self.resource)}{path}{context}{own}"

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.action.lower(), self.resource, self.via, self.context)


@dataclass
class EffectiveAccess:
    """What one vendor principal can do in its integration's account, and what it should."""

    integration: str
    principal: str
    allowed: list[Access] = field(default_factory=list)
    expected: list[Access] = field(default_factory=list)
    undecided: list[tuple[Access, Decision]] = field(default_factory=list)
    evaluated: int = 0
    pruned: int = 0
    #: The spec field that declares this access (``integrations[0].access``).
    origin: str | None = None

    @property
    def beyond(self) -> list[Access]:
        """Allowed but not declared by a grant."""
        expected = {a.key for a in self.expected}
        return [a for a in self.allowed if a.key not in expected]

    @property
    def ineffective(self) -> list[Access]:
        """Declared by a grant but not allowed."""
        allowed = {a.key for a in self.allowed}
        return [a for a in self.expected if a.key not in allowed]

    @property
    def equal(self) -> bool:
        return not self.beyond and not self.ineffective and not self.undecided


#: The object name the proof asks about under a prefix (any name there is decided the same).
SAMPLE_OBJECT = "airlock-proof.csv"


def display_resource(arn: str) -> str:
    """A resource as people read it: a sample object as its prefix, an assigned key id as such."""
    if arn.endswith(f"/{SAMPLE_OBJECT}"):
        return arn.removesuffix(SAMPLE_OBJECT) + "*"
    head, marker, logical_id = arn.partition(":key/key-")
    if marker:
        return f"{head}:key/(id of {logical_id})"
    return arn


def _names(statement: Statement, principal: Principal) -> bool:
    """Whether a resource-policy statement's Principal names ``principal`` itself or everyone."""
    if statement.not_principals is not None:
        return True
    named = dict(statement.principals or ())
    if "*" in named or "*" in named.get("AWS", ()):
        return True
    return principal.arn in named.get("AWS", ()) or (principal.session_arn or "") in named.get("AWS", ())


def _candidates(identity: Sequence[Policy], resource_side: Iterable[Policy], principal: Principal) -> frozenset[str]:
    names = catalogue.action_names()
    found = set(actions_matching(identity, names)) if identity else set()
    named = [
        Policy(p.source, tuple(s for s in p.statements if s.effect == "Allow" and _names(s, principal)))
        for p in resource_side
    ]
    found |= actions_matching([p for p in named if p.statements], names)
    return frozenset(found)


def _arns(view: IntegrationView) -> tuple[str, ...]:
    out: list[str] = []
    stacks = {region.stack for region in view.regions}
    for resource in view.world.resources:
        if resource.stack in stacks and resource.arn:
            out.append(resource.arn)
    for region in view.regions:
        bucket = region.bucket()
        if bucket is not None and bucket.arn:
            out += [f"{bucket.arn}/{prefix}{SAMPLE_OBJECT}" for prefix in object_prefixes(view)]
            out.append(f"{bucket.arn}/airlock-proof-outside.csv")
    return tuple(dict.fromkeys(out))


def object_prefixes(view: IntegrationView) -> list[str]:
    """Every prefix the spec names for the drop zone: its own, and those of object grants."""
    integration = view.integration
    if integration.drop_zone is None:
        return []
    prefixes = list(integration.drop_zone.prefixes)
    if integration.access is not None:
        prefixes += [g.target for g in integration.access.grants if g.kind in OBJECT_GRANTS]
    return list(dict.fromkeys(prefixes))


def _variants(view: IntegrationView) -> dict[str, list[tuple[str, dict[str, object]]]]:
    """Request contexts that conditions of object grants tell apart, by lowercased action.

    ``s3:ListBucket`` is tried without ``s3:prefix`` and with each prefix of the drop zone and
    its grants; uploads without an ACL and with ``bucket-owner-full-control``.
    """
    listing: list[tuple[str, dict[str, object]]] = [("", {})]
    listing += [(f"s3:prefix={p}", {"s3:prefix": p}) for p in object_prefixes(view)]
    acl = grants.BUCKET_OWNER_FULL_CONTROL
    upload: list[tuple[str, dict[str, object]]] = [("", {}), (f"s3:x-amz-acl={acl}", {"s3:x-amz-acl": acl})]
    return {"s3:listbucket": listing, "s3:putobject": upload, "s3:putobjectacl": upload}


def _resource_side(world: World, arns: Sequence[str]) -> list[Policy]:
    policies: list[Policy] = []
    for arn in arns:
        policies += world.resource_policies.get(arn, [])
        if arn in world.key_policies:
            policies.append(world.key_policies[arn])
        if arn in world.roles:
            policies.append(world.roles[arn].trust)
    return policies


def _explore(
    view: IntegrationView,
    region: RegionView,
    principal: Principal,
    candidates: frozenset[str],
    arns: tuple[str, ...],
    result: EffectiveAccess,
    role: str | None,
    caller: dict[str, object],
) -> None:
    world = view.world
    variants = _variants(view)
    result.pruned += len(catalogue.actions()) - len(candidates)
    for action in sorted(candidates):
        service = action.split(":", 1)[0].lower()
        for resource in catalogue.resources_for(action, arns):
            paths: list[tuple[str, str, dict[str, object]]] = [
                (DIRECT, label, {**caller, **extra}) for label, extra in variants.get(action.lower(), [("", {})])
            ]
            if service == "kms":
                paths += [(via, "", fas_context(via, region.region)) for via in KEY_CALLERS]
            for via, label, extra in paths:
                request = world.request(principal, action, resource, region=region.region, extra=extra)
                decision = evaluate(request, world.policies_for(request))
                result.evaluated += 1
                access = Access(action, resource, via, role, label)
                if decision.verdict is Verdict.ALLOW:
                    result.allowed.append(access)
                elif decision.verdict is Verdict.UNDECIDED:
                    result.undecided.append((access, decision))


def _expected(view: IntegrationView, region: RegionView, role_arn: str, arns: tuple[str, ...]) -> list[Access]:
    """What the grants declare, on the resources the exploration tries."""
    access = view.integration.access
    assert access is not None
    out = [Access("sts:AssumeRole", role_arn, DIRECT, None)]
    if access.session_tags:
        out.append(Access("sts:TagSession", role_arn, DIRECT, None))
    if access.self_assume:
        out.append(Access("sts:AssumeRole", role_arn, DIRECT, role_arn))
    for grant in access.grants:
        if grant.kind == "monitoring":
            out += _expected_monitoring(region, grants.MONITORING[grant.target], role_arn, arns)
        elif grant.kind in ("send", "consume"):
            queue = region.queue(grant.target)
            if queue is not None and queue.arn is not None:
                out += _declared(grants.VENDOR_GRANTS[grant.kind], [queue.arn], region.queue_key(queue), role_arn)
        else:
            out += _expected_objects(view, region, grant.kind, grant.target, grant.acl, role_arn, arns)
    return out


def _declared(
    actions: grants.GrantActions, resources: Sequence[str], key: str | None, role_arn: str, context: str = ""
) -> list[Access]:
    out = [Access(action, resource, DIRECT, role_arn, context) for action in actions.resource for resource in resources]
    if key is not None and actions.via is not None:
        out += [Access(action, key, actions.via, role_arn) for action in actions.key]
    return out


def _expected_objects(
    view: IntegrationView,
    region: RegionView,
    kind: str,
    prefix: str,
    acl: str | None,
    role_arn: str,
    arns: tuple[str, ...],
) -> list[Access]:
    bucket = region.bucket()
    if bucket is None or bucket.arn is None:
        return []
    actions = grants.grant_actions(kind, acl)
    objects = [arn for arn in arns if arn.startswith(f"{bucket.arn}/{prefix}")]
    key = region.bucket_key(bucket)
    if actions.required:
        contexts = ["&".join(f"{k}={v}" for k, v in actions.required)]
    elif kind == "put_objects":  # without a required ACL, an upload with or without one is allowed
        contexts = ["", f"s3:x-amz-acl={grants.BUCKET_OWNER_FULL_CONTROL}"]
    else:
        contexts = [""]
    out = [a for context in contexts for a in _declared(actions, objects, key, role_arn, context)]
    listed = [p for p in object_prefixes(view) if p.startswith(prefix)]
    out += [Access(a, bucket.arn, DIRECT, role_arn, f"s3:prefix={p}") for a in actions.listing for p in listed]
    out += [Access(action, bucket.arn, DIRECT, role_arn) for action in actions.bucket]
    return out


def _expected_monitoring(
    region: RegionView, actions: grants.MonitoringActions, role_arn: str, arns: tuple[str, ...]
) -> list[Access]:
    out = [Access(action, "*", DIRECT, role_arn) for action in actions.unscoped]
    for action, pattern in actions.resources("aws", region.region, region.account).items():
        out += [
            Access(action, arn, DIRECT, role_arn)
            for arn in catalogue.resources_for(action, arns)
            if arn != "*" and fnmatchcase(arn, pattern)
        ]
    return out


def _order(access: Access) -> tuple[str, str, str, str, str]:
    return (access.action, access.resource, access.via, access.role or "", access.context)


def effective_access(world: World, integration_name: str) -> list[EffectiveAccess]:
    """The effective access of each declared vendor principal of the integration."""
    integration = world.spec.integration(integration_name)
    view = IntegrationView(world, integration)
    if integration.access is None or view.account is None:
        return []
    arns = _arns(view)
    resource_side = _resource_side(world, arns)
    results = []
    index = [i.name for i in world.spec.integrations].index(integration.name)
    for principal in view.vendor_principals():
        result = EffectiveAccess(integration.name, principal.arn, origin=f"integrations[{index}].access")
        for region in view.regions:
            steps, role = assume_steps(view, region, principal)
            if role is None:
                continue
            for step in steps:
                if step.decision.allowed:
                    result.allowed.append(Access(str(step.detail["action"]), role.arn))
            result.expected += _expected(view, region, role.arn, arns)
            if not all(step.decision.allowed for step in steps[:1]):
                continue
            session = session_of(role)
            candidates = _candidates(role.identity, resource_side, session)
            # The session sends the external ID where it assumes a role (its own, with self_assume).
            caller = {**vendor_context(view), "sts:ExternalId": view.external_id()}
            _explore(view, region, session, candidates, arns, result, role.arn, caller)
        # The principal itself, calling the account's resources without a role.
        for region in view.regions[:1]:
            candidates = _candidates((), resource_side, principal) - {"sts:AssumeRole", "sts:TagSession"}
            candidates = frozenset(a for a in candidates if a.lower() not in ("sts:assumerole", "sts:tagsession"))
            _explore(view, region, principal, candidates, arns, result, None, vendor_context(view))
        result.allowed = sorted(set(result.allowed), key=_order)
        result.expected = sorted(set(result.expected), key=_order)
        results.append(result)
    return results
