"""Whether one statement applies to one request: action, resource, principal, conditions.

Each element is tested as AWS documents it; the statement applies when all of them match
(True), does not when one does not (False), and may apply (None) when one cannot be known.
A statement the parser could not read (``Statement.unknown``) applies at most "maybe": a
readable element that rules the request out still makes it False.

- Action/NotAction: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
- Resource/NotResource: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
- Condition: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from airlock.access import principals
from airlock.access.conditions import CompiledCondition, compile_condition
from airlock.access.model import PolicyKind, Principal, Statement
from airlock.access.patterns import ActionMatcher, action_matcher, arn_pattern, arn_regex
from airlock.access.principals import ALL_KINDS, NONE, MatchKind
from airlock.access.tri import Tri, not_
from airlock.access.variables import NULL, UNKNOWN, Lookup, Marker, has_variable, resolve

_PRINCIPAL_FREE = frozenset({"identity", "boundary", "session", "scp"})


@dataclass(frozen=True)
class Match:
    """A statement's applicability to a request and the ways its principal matched."""

    applies: Tri
    kinds: frozenset[MatchKind] = NONE


NO = Match(False)


@lru_cache(maxsize=256)
def _match(applies: Tri, kinds: frozenset[MatchKind]) -> Match:
    """One shared Match per answer (Match is immutable)."""
    return Match(applies, kinds)


_NOBODY = Principal("*", "anonymous")


def _no_lookup(_key: str) -> None:
    return None


#: Remembered answers per statement before its memo is emptied (bounds memory, not results).
_MEMO_LIMIT = 4096
_UNSET: object = object()


class CompiledStatement:
    """A statement compiled for repeated evaluation (patterns, conditions, principal sets).

    What does not depend on the request is decided once: a ``Resource`` of ``*`` applies to
    every resource, a policy kind without principals decides its principal element alone. What
    depends on the resource alone or on the principal alone is remembered per resource and
    per principal.
    """

    __slots__ = (
        "_on",
        "_on_memo",
        "_who",
        "_who_memo",
        "actions",
        "conditions",
        "kind",
        "negate_actions",
        "negate_resources",
        "resources",
        "statement",
    )

    def __init__(self, statement: Statement, kind: PolicyKind) -> None:
        self.statement = statement
        self.kind = kind
        patterns = statement.actions if statement.actions is not None else statement.not_actions
        self.actions: ActionMatcher | None = action_matcher(patterns) if patterns is not None else None
        self.negate_actions = statement.actions is None and statement.not_actions is not None
        self.resources = statement.resources if statement.resources is not None else statement.not_resources
        self.negate_resources = statement.resources is None and statement.not_resources is not None
        self.conditions: tuple[CompiledCondition, ...] = tuple(
            compile_condition(c, statement.policy_variables) for c in statement.conditions
        )
        self._on: Tri | object = self._fixed_resource()
        self._on_memo: dict[str, Tri] | None = None if self._variable_resource() else {}
        self._who: tuple[frozenset[MatchKind], Tri] | None = (
            (NONE, None if statement.principals or statement.not_principals else True)
            if kind in _PRINCIPAL_FREE
            else None
        )
        self._who_memo: dict[tuple[Principal, bool], tuple[frozenset[MatchKind], Tri]] = {}

    def _fixed_resource(self) -> Tri | object:
        """The Resource element's answer when it is the same for every request, else _UNSET."""
        if self.resources is None:
            if self.kind == "trust" and self.statement.not_resources is None:
                return True  # a trust policy names no Resource: it is the role's own policy
            return None
        if "*" in self.resources:  # matches every resource, whatever the other entries say
            return not self.negate_resources
        return _UNSET

    def _variable_resource(self) -> bool:
        return self.resources is not None and self.statement.policy_variables and any(map(has_variable, self.resources))

    @property
    def prefixes(self) -> frozenset[str] | None:
        """Service prefixes the statement can apply to; None for any."""
        if self.actions is None or self.negate_actions:
            return None
        return self.actions.prefixes

    def action_applies(self, action: str) -> Tri:
        """``action`` lowercased."""
        if self.actions is None:
            return None
        matched = self.actions.matches(action)
        return not matched if self.negate_actions else matched

    def fixed_match(self, acts: Tri) -> Match | None:
        """The Match for an action answered ``acts`` when resource, principal and context
        cannot change it; None when they can."""
        if self._on is _UNSET or self._who is None or (self.conditions and self.statement.unknown is None):
            return None
        return self.match_action(acts, "", _NOBODY, _no_lookup, False)

    def match_action(self, acts: Tri, resource: str, principal: Principal, lookup: Lookup, has_boundary: bool) -> Match:
        """Applicability to a request whose action this statement's actions match (``acts``:
        True, or None when they are unreadable)."""
        on = self._on
        if on is _UNSET:
            on = self._resource_applies(resource, lookup)
        if on is False:
            return NO
        who = self._who
        if who is None:
            who = self._principal_memo(principal, has_boundary)
        if who[1] is False:
            return NO
        unknown = acts is None or on is None or who[1] is None
        if self.statement.unknown is not None:
            return _match(None, who[0] or ALL_KINDS)
        for condition in self.conditions:
            value = condition.test(lookup)
            if value is False:
                return NO
            if value is None:
                unknown = True
        return _match(None if unknown else True, who[0])

    def explain(self, action: str, resource: str, principal: Principal, lookup: Lookup, has_boundary: bool) -> str:
        """Why the statement's applicability to this request cannot be known."""
        if self.statement.unknown is not None:
            return f"cannot be evaluated: {self.statement.unknown}"
        if self.action_applies(action) is None:
            return "cannot be evaluated: its actions are unreadable"
        if self._resource_applies(resource, lookup) is None:
            return f"cannot be evaluated: its Resource cannot be matched to {resource} (policy variable or pattern)"
        for condition in self.conditions:
            if condition.test(lookup) is None:
                spelled = f"{condition.source.operator} on {condition.source.key}"
                return f"cannot be evaluated: condition {spelled} cannot be decided for this request"
        if self._principal(principal, has_boundary)[1] is None:
            return f"cannot be evaluated: AWS does not document how its principal element applies to {principal.arn}"
        return "cannot be evaluated"

    def _resource_applies(self, resource: str, lookup: Lookup) -> Tri:
        memo = self._on_memo
        if memo is None:
            return self._resource_element(resource, lookup)
        found = memo.get(resource, _UNSET)
        if found is _UNSET:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            found = memo[resource] = self._resource_element(resource, lookup)
        return found  # type: ignore[return-value]

    def _resource_element(self, resource: str, lookup: Lookup) -> Tri:
        if self.resources is None:
            if self.kind == "trust" and self.statement.not_resources is None:
                return True  # a trust policy names no Resource: it is the role's own policy
            return None
        matched = _any_resource(self.resources, resource, lookup, self.statement.policy_variables)
        return not_(matched) if self.negate_resources else matched

    def _principal_memo(self, principal: Principal, has_boundary: bool) -> tuple[frozenset[MatchKind], Tri]:
        memo = self._who_memo
        key = (principal, has_boundary)
        found = memo.get(key)
        if found is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            found = memo[key] = self._principal(principal, has_boundary)
        return found

    def _principal(self, principal: Principal, has_boundary: bool) -> tuple[frozenset[MatchKind], Tri]:
        statement = self.statement
        if self.kind in _PRINCIPAL_FREE:
            return NONE, None if statement.principals or statement.not_principals else True
        if statement.principals is not None:
            kinds = principals.match_kinds(statement.principals, principal)
            if not kinds:
                return NONE, False
            if self.kind == "endpoint" and kinds == {"account"} and principal.kind != "root":
                # "access is granted to the AWS account root user only" (gateway endpoints);
                # the documentation says nothing of interface endpoints.
                return kinds, None
            return kinds, True
        if statement.not_principals is not None:
            applies = principals.not_principal_applies(
                statement.not_principals, principal, effect=statement.effect, has_boundary=has_boundary
            )
            return frozenset({"wildcard"}), applies
        return NONE, None


def _any_resource(patterns: tuple[str, ...], resource: str, lookup: Lookup, variables: bool) -> Tri:
    unknown = False
    for pattern in patterns:
        matched = _resource_matches(pattern, resource, lookup, variables)
        if matched is True:
            return True
        if matched is None:
            unknown = True
    return None if unknown else False


def _resource_matches(pattern: str, resource: str, lookup: Lookup, variables: bool) -> Tri:
    if variables and has_variable(pattern):
        pieces = resolve(pattern, lookup, wildcards=True)
        if pieces is NULL:
            return False  # "the resource that includes a policy variable with no value will not match any resource"
        if pieces is UNKNOWN or isinstance(pieces, Marker):
            return None
        regex = arn_regex(pieces)
    else:
        regex = arn_pattern(pattern)
    if regex is None:
        return None
    return regex.match(resource) is not None
