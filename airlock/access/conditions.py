"""Condition operators, evaluated the way AWS documents them, in three-valued logic.

Sources (quoted in ``tests/unit/access/test_conditions.py``):

- operators, missing keys, ``...IfExists`` and ``Null``:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
- several keys/values, ``ForAllValues``/``ForAnyValue``:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
- single- vs multivalued keys:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html

A condition answers True, False or None (cannot be known: an unknown operator, a malformed
value, a multivalued key under a single-value operator, a key whose value is unknown, a
construct whose behaviour AWS does not document). None makes the statement's applicability
unknown and the verdict UNDECIDED wherever it could change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from airlock.access import values as parse
from airlock.access.model import MULTIVALUED_KEYS, Condition
from airlock.access.patterns import arn_regex, arn_shaped, string_regex
from airlock.access.tri import Tri, all_, any_, not_
from airlock.access.variables import NULL, UNKNOWN, Lookup, Marker, has_variable, resolve, text_of

Family = Literal["string", "numeric", "date", "bool", "binary", "ip", "arn", "null"]
Qualifier = Literal["", "ForAllValues", "ForAnyValue"]

#: Base operator -> (family, comparison, negated). The comparison of a negated operator is
#: the positive one it negates.
_BASE: dict[str, tuple[Family, str, bool]] = {
    "StringEquals": ("string", "equals", False),
    "StringNotEquals": ("string", "equals", True),
    "StringEqualsIgnoreCase": ("string", "equals_ignore_case", False),
    "StringNotEqualsIgnoreCase": ("string", "equals_ignore_case", True),
    "StringLike": ("string", "like", False),
    "StringNotLike": ("string", "like", True),
    "NumericEquals": ("numeric", "eq", False),
    "NumericNotEquals": ("numeric", "eq", True),
    "NumericLessThan": ("numeric", "lt", False),
    "NumericLessThanEquals": ("numeric", "le", False),
    "NumericGreaterThan": ("numeric", "gt", False),
    "NumericGreaterThanEquals": ("numeric", "ge", False),
    "DateEquals": ("date", "eq", False),
    "DateNotEquals": ("date", "eq", True),
    "DateLessThan": ("date", "lt", False),
    "DateLessThanEquals": ("date", "le", False),
    "DateGreaterThan": ("date", "gt", False),
    "DateGreaterThanEquals": ("date", "ge", False),
    "Bool": ("bool", "eq", False),
    "BinaryEquals": ("binary", "eq", False),
    "IpAddress": ("ip", "in", False),
    "NotIpAddress": ("ip", "in", True),
    "ArnEquals": ("arn", "like", False),
    "ArnLike": ("arn", "like", False),
    "ArnNotEquals": ("arn", "like", True),
    "ArnNotLike": ("arn", "like", True),
    "Null": ("null", "null", False),
}

#: The base operators AWS documents (before ``IfExists`` and the set qualifiers).
OPERATORS = frozenset(_BASE)

#: Families whose values may hold policy variables (string and ARN operators).
_VARIABLE_FAMILIES = frozenset({"string", "arn"})


@dataclass(frozen=True)
class Operator:
    """A condition operator split into its parts (``ForAnyValue:StringLikeIfExists``)."""

    base: str
    family: Family
    comparison: str
    negated: bool
    if_exists: bool
    qualifier: Qualifier


@lru_cache(maxsize=1024)
def parse_operator(name: str) -> Operator | None:
    """The operator named ``name``, None when AWS documents no such operator."""
    qualifier: Qualifier = ""
    for prefix in ("ForAllValues", "ForAnyValue"):
        if name.startswith(prefix + ":"):
            qualifier = "ForAllValues" if prefix == "ForAllValues" else "ForAnyValue"
            name = name[len(prefix) + 1 :]
    if_exists = name.endswith("IfExists")
    base = name.removesuffix("IfExists") if if_exists else name
    if base not in _BASE:
        return None
    family, comparison, negated = _BASE[base]
    if family == "null" and (if_exists or qualifier):
        return None  # "IfExists ... except the Null condition"; no documented set form of Null
    return Operator(base, family, comparison, negated, if_exists, qualifier)


#: Compares one request value with one policy value.
Compare = Callable[[str, Lookup], Tri]


#: Results remembered per condition before its memo is emptied (bounds memory, not results).
_MEMO_LIMIT = 4096


class CompiledCondition:
    """One condition (operator, key, values) ready to test against request contexts.

    A condition whose values hold no policy variable depends on the request through the
    values of its key alone, so its answers are remembered per those values.
    """

    __slots__ = ("compares", "key", "memo", "operator", "source")

    def __init__(self, condition: Condition, *, policy_variables: bool) -> None:
        self.source = condition
        self.key = condition.key.lower()
        self.operator = parse_operator(condition.operator)
        self.compares: tuple[Compare, ...] = ()
        if self.operator is not None:
            self.compares = tuple(_comparer(self.operator, value, policy_variables) for value in condition.values)
        static = not (policy_variables and any(has_variable(value) for value in condition.values))
        self.memo: dict[tuple[str, ...] | Marker | None, Tri] | None = {} if static else None

    def test(self, lookup: Lookup) -> Tri:
        memo = self.memo
        if memo is None:
            return self._test(lookup(self.key), lookup)
        values = lookup(self.key)
        try:
            return memo[values]
        except KeyError:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            result = memo[values] = self._test(values, lookup)
            return result
        except TypeError:  # values that cannot be hashed (a list from a hand-built context)
            return self._test(values, lookup)

    def _test(self, values: tuple[str, ...] | Marker | None, lookup: Lookup) -> Tri:
        operator = self.operator
        if operator is None or not self.compares:
            return None
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


def _missing(operator: Operator) -> Tri:
    """A key absent from the request (or present with no values)."""
    if operator.if_exists or operator.qualifier == "ForAllValues":
        return True
    if operator.qualifier == "ForAnyValue":
        return False
    return operator.negated


def _null(policy_values: tuple[str, ...], values: tuple[str, ...] | None) -> Tri:
    absent = not values
    results: list[Tri] = []
    for value in policy_values:
        flag = parse.boolean(value)
        results.append(None if flag is None else flag == absent)
    return any_(results)


def _comparer(operator: Operator, policy_value: str, policy_variables: bool) -> Compare:
    if has_variable(policy_value) and policy_variables:
        if operator.family not in _VARIABLE_FAMILIES:
            return _never_known  # variables are documented for string and ARN operators only
        return _variable_comparer(operator, policy_value)
    return _static_comparer(operator, policy_value)


def _never_known(_value: str, _lookup: Lookup) -> Tri:
    return None


def _variable_comparer(operator: Operator, policy_value: str) -> Compare:
    wildcards = operator.comparison == "like"

    def compare(value: str, lookup: Lookup) -> Tri:
        pieces = resolve(policy_value, lookup, wildcards=wildcards)
        if pieces is NULL:
            return False  # "There is no equal or like value" for a variable with no value
        if pieces is UNKNOWN or isinstance(pieces, Marker):
            return None
        if operator.family == "arn":
            regex = arn_regex(pieces)
            return None if regex is None else (arn_shaped(value) and regex.match(value) is not None)
        if operator.comparison == "like":
            return string_regex(pieces).match(value) is not None
        text = text_of(pieces)
        if operator.comparison == "equals_ignore_case":
            return value.lower() == text.lower()
        return value == text

    return compare


def _static_comparer(operator: Operator, policy_value: str) -> Compare:
    family = operator.family
    if family == "string":
        return _string_comparer(operator.comparison, policy_value)
    if family == "arn":
        regex = arn_regex(((True, policy_value),))
        if regex is None:
            return _never_known
        return lambda value, _lookup: arn_shaped(value) and regex.match(value) is not None
    if family in ("numeric", "date"):
        return _ordered_comparer(family, operator.comparison, policy_value)
    if family == "bool":
        expected = parse.boolean(policy_value)
        if expected is None:
            return _never_known
        return lambda value, _lookup: _bool_equals(expected, value)
    if family == "ip":
        network = parse.network(policy_value)
        if network is None:
            return _never_known
        return lambda value, _lookup: parse.in_network(value, network)
    return _never_known  # BinaryEquals: the request's binary encoding is not modelled


def _string_comparer(comparison: str, policy_value: str) -> Compare:
    if comparison == "like":
        regex = string_regex(((True, policy_value),))
        return lambda value, _lookup: regex.match(value) is not None
    if comparison == "equals_ignore_case":
        lowered = policy_value.lower()
        return lambda value, _lookup: value.lower() == lowered
    return lambda value, _lookup: value == policy_value


def _bool_equals(expected: bool, value: str) -> Tri:
    actual = parse.boolean(value)
    return None if actual is None else actual == expected


def _ordered_comparer(family: str, comparison: str, policy_value: str) -> Compare:
    reader = parse.number if family == "numeric" else parse.instant
    bound = reader(policy_value)
    if bound is None:
        return _never_known

    def compare(value: str, _lookup: Lookup) -> Tri:
        actual = reader(value)
        if actual is None:
            return None
        return parse.ORDER[comparison](actual, bound)

    return compare


@lru_cache(maxsize=1 << 14)
def compile_condition(condition: Condition, policy_variables: bool) -> CompiledCondition:
    return CompiledCondition(condition, policy_variables=policy_variables)
