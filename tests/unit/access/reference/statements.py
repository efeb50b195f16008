"""Reference copy of ``airlock.access.statements`` (see the package docstring)."""

from __future__ import annotations

from airlock.access import principals
from airlock.access.model import PolicyKind, Principal, Statement
from airlock.access.patterns import ActionMatcher, action_matcher
from airlock.access.principals import ALL_KINDS, NONE, MatchKind
from airlock.access.statements import Match, _any_resource
from airlock.access.tri import Tri, all_, not_
from airlock.access.variables import Lookup
from tests.unit.access.reference.conditions import CompiledCondition, compile_condition

_PRINCIPAL_FREE = frozenset({"identity", "boundary", "session", "scp"})


NO = Match(False)


class CompiledStatement:
    """A statement compiled for repeated evaluation (patterns, conditions, principal sets)."""

    __slots__ = ("actions", "conditions", "kind", "negate_actions", "negate_resources", "resources", "statement")

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

    def match(self, action: str, resource: str, principal: Principal, lookup: Lookup, has_boundary: bool) -> Match:
        """Applicability to a request; ``action`` lowercased."""
        acts = self.action_applies(action)
        if acts is False:
            return NO
        on = self._resource_applies(resource, lookup)
        if on is False:
            return NO
        kinds, who = self._principal(principal, has_boundary)
        if who is False:
            return NO
        if self.statement.unknown is not None:
            return Match(None, kinds or ALL_KINDS)
        applies = all_((acts, on, who, *(condition.test(lookup) for condition in self.conditions)))
        return NO if applies is False else Match(applies, kinds)

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
        if self.resources is None:
            if self.kind == "trust" and self.statement.not_resources is None:
                return True  # a trust policy names no Resource: it is the role's own policy
            return None
        matched = _any_resource(self.resources, resource, lookup, self.statement.policy_variables)
        return not_(matched) if self.negate_resources else matched

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
