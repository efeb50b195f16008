"""The reference condition: as before the evaluator remembered condition answers.

Only ``CompiledCondition`` changed since; the operator parsing and comparers are the evaluator's.
"""

from __future__ import annotations

from functools import lru_cache

from airlock.access.conditions import Compare, _comparer, _missing, _null, parse_operator
from airlock.access.model import MULTIVALUED_KEYS, Condition
from airlock.access.tri import Tri, all_, any_, not_
from airlock.access.variables import UNKNOWN, Lookup, Marker


class CompiledCondition:
    """One condition (operator, key, values) ready to test against request contexts."""

    __slots__ = ("compares", "key", "operator", "source")

    def __init__(self, condition: Condition, *, policy_variables: bool) -> None:
        self.source = condition
        self.key = condition.key.lower()
        self.operator = parse_operator(condition.operator)
        self.compares: tuple[Compare, ...] = ()
        if self.operator is not None:
            self.compares = tuple(_comparer(self.operator, value, policy_variables) for value in condition.values)

    def test(self, lookup: Lookup) -> Tri:
        operator = self.operator
        if operator is None or not self.compares:
            return None
        values = lookup(self.key)
        if values is UNKNOWN:
            return None
        assert not isinstance(values, Marker)
        if operator.family == "null":
            return _null(self.source.values, values)
        if not values:
            return _missing(operator)
        if operator.qualifier == "ForAllValues":
            return all_(self._one(value, lookup) for value in values)
        if operator.qualifier == "ForAnyValue":
            return any_(self._one(value, lookup) for value in values)
        if len(values) > 1 or self.key in MULTIVALUED_KEYS:
            return None  # "Multivalued context keys require a condition set operator."
        return self._one(values[0], lookup)

    def _one(self, value: str, lookup: Lookup) -> Tri:
        assert self.operator is not None
        matched = any_(compare(value, lookup) for compare in self.compares)
        return not_(matched) if self.operator.negated else matched


@lru_cache(maxsize=1 << 14)
def compile_condition(condition: Condition, policy_variables: bool) -> CompiledCondition:
    return CompiledCondition(condition, policy_variables=policy_variables)
