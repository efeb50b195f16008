"""Reference copy of ``airlock.access.paths`` (see the package docstring); its tables are the evaluator's."""

from __future__ import annotations

from airlock.access.model import Policy, PolicySet
from airlock.access.paths import _ANY, KMS_CROSS_ACCOUNT, _key_paths, _resource_paths, _trust_paths, _who
from airlock.access.principals import MatchKind
from tests.unit.access.reference.compiled import Probe, Scan, scan
from tests.unit.access.reference.grants import Grant, Term, resource_term


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
        resource = (policies.resource,) if policies.resource is not None else ()
        self.resource: Scan = scan(resource, "Allow", probe)
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


def grant(probe: Probe, policies: PolicySet, *, cross: bool) -> Grant:
    """The paths that grant the request, for a same-account or a cross-account request."""
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
    result = Grant(paths, terms.assumptions)
    if policies.key_policy and cross and probe.action not in KMS_CROSS_ACCOUNT and principal.kind != "service":
        result.forced = Term.constant(
            "kms", False, f"{probe.action} is not one of the KMS operations that work across accounts"
        )
    return result
