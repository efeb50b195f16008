"""Matching a request's principal against ``Principal``/``NotPrincipal`` elements.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html:

- ``"*"`` and ``{"AWS": "*"}`` are all principals, anonymous ones included;
- an account (``123456789012`` or ``arn:aws:iam::123456789012:root``) delegates to the
  account: it matches every principal of that account, and only through the account's own
  IAM policies does it grant (the evaluator applies that part);
- a role ARN matches that role's sessions, a session ARN that one session, a user ARN that
  user; ``Service`` matches that service principal;
- ``Federated`` and ``CanonicalUser`` never match an IAM principal of this model.

How a principal matched decides how far a resource-based policy can grant by itself, so
:func:`match_kinds` reports the ways it matched.
"""

from __future__ import annotations

import re
from typing import Literal

from airlock.access.model import Principal, PrincipalMap
from airlock.access.tri import Tri

KINDS = frozenset({"*", "AWS", "Service", "Federated", "CanonicalUser"})

MatchKind = Literal["wildcard", "session", "role", "user", "account", "service"]
ALL_KINDS: frozenset[MatchKind] = frozenset({"wildcard", "session", "role", "user", "account", "service"})
NONE: frozenset[MatchKind] = frozenset()

_PRINCIPAL_ARN = re.compile(
    r"arn:aws[a-z-]*:(iam::\d{12}:(root|user/.+|role/.+|federated-user/.+)"
    r"|sts::\d{12}:(assumed-role/[^/]+/.+|federated-user/.+))\Z"
)


def is_principal_arn(name: str) -> bool:
    return _PRINCIPAL_ARN.match(name) is not None


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def match_kinds(entries: PrincipalMap, principal: Principal) -> frozenset[MatchKind]:
    """The ways ``principal`` matches a ``Principal`` element (empty: it does not)."""
    found: set[MatchKind] = set()
    for kind, names in entries:
        if kind == "*" or (kind == "AWS" and "*" in names):
            found.add("wildcard")
        if kind == "AWS":
            found.update(_aws_kinds(names, principal))
        elif kind == "Service" and principal.kind == "service" and principal.arn.lower() in _lowered(names):
            found.add("service")
    return frozenset(found)


def _lowered(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(name.lower() for name in names)


def _aws_kinds(names: tuple[str, ...], principal: Principal) -> set[MatchKind]:
    found: set[MatchKind] = set()
    if principal.account and principal.kind in ("role", "user", "root") and root_arn(principal.account) in names:
        found.add("account")
    if principal.kind == "role":
        if principal.arn in names:
            found.add("role")
        if principal.session_arn and principal.session_arn in names:
            found.add("session")
    elif principal.kind == "user" and principal.arn in names:
        found.add("user")
    return found


def identities(principal: Principal) -> tuple[tuple[str, str], ...]:
    """The (type, name) identities AWS may check a ``NotPrincipal`` against, outermost first:
    "AWS might validate the account first, then the role, and then the assumed-role user"."""
    if principal.kind == "service":
        return (("Service", principal.arn.lower()),)
    if principal.kind == "anonymous" or not principal.account:
        return ()
    out = [("AWS", root_arn(principal.account))]
    if principal.kind in ("role", "user"):
        out.append(("AWS", principal.arn))
    if principal.kind == "role" and principal.session_arn:
        out.append(("AWS", principal.session_arn))
    return tuple(out)


def not_principal_applies(entries: PrincipalMap, principal: Principal, *, effect: str, has_boundary: bool) -> Tri:
    """Whether a statement with ``NotPrincipal`` applies to ``principal``.

    All of its identities listed: it does not apply; none listed: it applies; some listed:
    AWS documents only that it "might" check each, so the answer is unknown. A Deny with
    ``NotPrincipal`` "will always deny any IAM principal that has a permissions boundary policy
    attached" (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
    """
    if effect == "Deny" and has_boundary and principal.kind in ("role", "user"):
        return True
    if any(kind == "*" or (kind == "AWS" and "*" in names) for kind, names in entries):
        return False
    named = {(kind, name.lower() if kind == "Service" else name) for kind, names in entries for name in names}
    own = identities(principal)
    listed = [identity in named for identity in own]
    if not own or not any(listed):
        return True
    if all(listed):
        return False
    return None
