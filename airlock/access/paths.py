"""Build the :class:`~airlock.access.grants.Grant` of one request from its policy set.

See :mod:`airlock.access.grants` for the rules and their documentation.
"""

from __future__ import annotations

from airlock.access.compiled import Probe, Scan, scan
from airlock.access.grants import Grant, Path, Term, resource_term
from airlock.access.model import Policy, PolicySet, Principal
from airlock.access.principals import MatchKind

#: KMS operations that work across accounts; "If you give a user in a different account
#: permission for other operations, those permissions have no effect."
#: https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html
KMS_CROSS_ACCOUNT = frozenset(
    {
        "kms:decrypt",
        "kms:encrypt",
        "kms:generatedatakey",
        "kms:generatedatakeypair",
        "kms:generatedatakeypairwithoutplaintext",
        "kms:generatedatakeywithoutplaintext",
        "kms:generatemac",
        "kms:reencryptfrom",
        "kms:reencryptto",
        "kms:sign",
        "kms:verify",
        "kms:verifymac",
        "kms:derivesharedsecret",
        "kms:creategrant",
        "kms:describekey",
        "kms:getkeyrotationstatus",
        "kms:getpublickey",
        "kms:listgrants",
        "kms:retiregrant",
        "kms:revokegrant",
    }
)

_DIRECT: frozenset[MatchKind] = frozenset({"wildcard", "session", "user", "service"})
_USER_DIRECT: frozenset[MatchKind] = frozenset({"user", "wildcard"})
_SESSION_DIRECT: frozenset[MatchKind] = frozenset({"session", "wildcard", "service"})
_ANY: frozenset[MatchKind] = frozenset({"wildcard", "session", "role", "user", "account", "service"})


def _who(principal: Principal) -> str:
    return principal.session_arn or principal.arn


class _Terms:
    """The terms of one request, computed once and shared by its paths."""

    def __init__(self, probe: Probe, policies: PolicySet) -> None:
        principal = probe.principal
        self.principal = principal
        self.assumptions: tuple[str, ...] = ()
        self.identity = self._identity(probe, policies)
        self.boundary = self._optional(probe, "permissions boundary", policies.boundary)
        session = policies.session if principal.kind == "role" else None
        self.session = self._optional(probe, "session policy", session)
        self.resource: Scan = scan((policies.resource,), "Allow", probe) if policies.resource is not None else Scan()
        self.resource_policy = policies.resource

    def _identity(self, probe: Probe, policies: PolicySet) -> Term:
        principal = probe.principal
        if policies.external_identity:
            self.assumptions = (
                f"the identity policies of {principal.arn} lie outside the assembly and are assumed to allow",
            )
            return Term.constant("identity", True)
        if principal.kind == "root":
            # "all requests are implicitly denied with the exception of the AWS account root user"
            return Term.constant("identity", True)
        if principal.kind not in ("role", "user"):
            return Term.constant("identity", False, f"{principal.arn} has no identity policies")
        return Term.of(
            "identity",
            scan(policies.identity, "Allow", probe, first=True),
            lambda: f"no identity policy of {_who(principal)} allows it",
        )

    def _optional(self, probe: Probe, name: str, policy: Policy | None) -> Term:
        if policy is None:
            return Term.constant(name, True)
        result = scan((policy,), "Allow", probe, first=True)
        return Term.of(name, result, lambda: f"no statement of the {policy.source.describe()} allows it")

    def grant(self, kinds: frozenset[MatchKind], how: str) -> Term:
        who = _who(self.principal)
        resource = self.resource_policy
        if resource is None:
            return Term.constant("resource", False, lambda: f"no resource-based policy admits {who} ({how})")
        return resource_term(
            "resource",
            self.resource,
            kinds,
            lambda: f"no statement of the {resource.source.describe()} admits {who} ({how})",
        )


def terms_of(probe: Probe, policies: PolicySet) -> _Terms:
    """The scans a request's grant is built from (shared by its same- and cross-account forms)."""
    return _Terms(probe, policies)


def grant(probe: Probe, policies: PolicySet, *, cross: bool, terms: _Terms | None = None) -> Grant:
    """The paths that grant the request, for a same-account or a cross-account request."""
    if terms is None:
        terms = _Terms(probe, policies)
    principal = probe.principal
    resource = policies.resource
    if policies.key_policy:
        paths = _key_paths(terms, cross=cross)
    elif resource is not None and resource.source.kind == "trust":
        paths = _trust_paths(terms, cross=cross)
    else:
        paths = _resource_paths(terms, cross=cross)
    if principal.kind in ("service", "anonymous"):
        paths = [(terms.grant(_ANY, "only a resource-based policy can admit this principal"),)]
    forced = None
    if policies.key_policy and cross and probe.action not in KMS_CROSS_ACCOUNT and principal.kind != "service":
        forced = Term.constant(
            "kms", False, f"{probe.action} is not one of the KMS operations that work across accounts"
        )
    return Grant(paths, terms.assumptions, forced)


def _principal_side(terms: _Terms) -> tuple[Term, ...]:
    return (terms.identity, terms.boundary, terms.session)


def _resource_paths(terms: _Terms, *, cross: bool) -> list[Path]:
    if cross:
        return [(*_principal_side(terms), terms.grant(_ANY, "cross-account access needs the resource policy too"))]
    return [
        _principal_side(terms),
        (terms.grant(_DIRECT, "naming the session, user or '*'"),),
        (terms.grant(frozenset({"role"}), "naming the role"), terms.boundary, terms.session),
    ]


def _key_paths(terms: _Terms, *, cross: bool) -> list[Path]:
    if cross:
        return [(terms.grant(_ANY, "cross-account use needs the key policy too"), *_principal_side(terms))]
    return [
        (terms.grant(_DIRECT, "naming the session, user or '*'"),),
        (terms.grant(frozenset({"role"}), "naming the role"), terms.boundary, terms.session),
        (terms.grant(frozenset({"account"}), "delegating to the account's IAM policies"), *_principal_side(terms)),
    ]


def _trust_paths(terms: _Terms, *, cross: bool) -> list[Path]:
    if cross:
        return [(terms.grant(_ANY, "a cross-account trust"), *_principal_side(terms))]
    is_user = terms.principal.kind == "user"
    user: frozenset[MatchKind] = _USER_DIRECT if is_user else frozenset()
    session: frozenset[MatchKind] = _SESSION_DIRECT - _USER_DIRECT if is_user else _SESSION_DIRECT
    return [
        (terms.grant(frozenset({"account"}), "trusting the account"), *_principal_side(terms)),
        (terms.grant(session, "naming the session or '*'"),),
        (terms.grant(frozenset({"role"}), "naming the role"), terms.boundary, terms.session),
        # "If a user is listed as the principal in a role's trust policy but cannot assume the
        # role, check the user's permissions boundary."
        (terms.grant(user, "naming the user"), terms.boundary),
    ]
