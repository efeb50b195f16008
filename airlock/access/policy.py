"""IAM policy JSON -> :class:`~airlock.access.model.Policy`, and the action catalogue pruning.

:func:`parse_policy` never raises on content. What it does not understand (a value that is
not a string, such as an unresolved ``{"Fn::GetAtt": ...}``; an unknown element; a bad
``Effect``; a ``Version`` other than 2012-10-17 or 2008-10-17; a partial wildcard in a
principal) it records in ``Statement.unknown``, naming the element, and the evaluator answers
UNDECIDED wherever that statement could matter.

Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html;
elements: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from airlock.access import principals
from airlock.access.catalogue import covered
from airlock.access.conditions import parse_operator
from airlock.access.model import Condition, Effect, Policy, PrincipalMap, Source, Statement
from airlock.access.patterns import arn_shaped, has_wildcard
from airlock.access.variables import has_variable, parse_template, variables_before_resource_part

VERSIONS = ("2012-10-17", "2008-10-17")
_TOP = frozenset({"Version", "Id", "Statement"})
_ELEMENTS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
)
_PRINCIPAL_KINDS = ("identity", "boundary", "session", "scp")
_ACCOUNT = re.compile(r"\d{12}\Z")


class _Unknown(Exception):
    """An element the parser does not understand (internal: never leaves this module)."""


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _strings(value: Any, element: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _Unknown(f"{element} is an empty list")
    for item in items:
        if not isinstance(item, str):
            raise _Unknown(f"{element} holds a value that is not a string: {_show(item)}")
    return tuple(items)


def parse_policy(document: Any, source: Source) -> Policy:
    """Parse one policy document (a dict, or its JSON text)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return Policy(source, _unknown_pair(source, 0, None, "the policy document is not JSON"))
    if not isinstance(document, Mapping):
        return Policy(
            source, _unknown_pair(source, 0, None, f"the policy document is not an object: {_show(document)}")
        )
    problem = _document_problem(document)
    version = document.get("Version")
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    statements: list[Statement] = []
    for index, item in enumerate(items):
        statements.extend(_statement(item, source, index, version in (None, "2008-10-17")))
    if problem:
        statements = [replace(s, unknown=f"{problem}; {s.unknown}" if s.unknown else problem) for s in statements]
    return Policy(source, tuple(statements))


def _document_problem(document: Mapping[str, Any]) -> str | None:
    extra = sorted(set(document) - _TOP)
    if extra:
        return f"unknown policy element {extra[0]!r}"
    version = document.get("Version")
    if version is not None and version not in VERSIONS:
        return f"Version {_show(version)} is not 2012-10-17 or 2008-10-17"
    raw = document.get("Statement")
    if not isinstance(raw, (list, Mapping)):
        return f"Statement is neither an object nor a list: {_show(raw)}"
    return None


def _unknown_pair(source: Source, index: int, sid: str | None, reason: str) -> tuple[Statement, ...]:
    """A statement that could be an Allow or a Deny: one of each, both unknown."""
    where = source.statement(index, sid)
    return (Statement("Allow", where, unknown=reason), Statement("Deny", where, unknown=reason))


def _statement(item: Any, source: Source, index: int, literal: bool) -> tuple[Statement, ...]:
    if not isinstance(item, Mapping):
        return _unknown_pair(source, index, None, f"statement is not an object: {_show(item)}")
    sid = item.get("Sid") if isinstance(item.get("Sid"), str) else None
    effect = item.get("Effect")
    if effect not in ("Allow", "Deny"):
        return _unknown_pair(source, index, sid, f"Effect {_show(effect)} is not Allow or Deny")
    fields: dict[str, Any] = {"policy_variables": not literal}
    problems: list[str] = []
    for reader in _READERS.values():
        try:
            fields.update(reader(item, source.kind, not literal))
        except _Unknown as problem:
            problems.append(f"{problem}")
    problems.extend(_shape_problems(item, source.kind))
    statement = Statement(_effect(effect), source.statement(index, sid), **fields)
    return (replace(statement, unknown="; ".join(problems)) if problems else statement,)


def _effect(effect: str) -> Effect:
    return "Allow" if effect == "Allow" else "Deny"


def _shape_problems(item: Mapping[str, Any], kind: str) -> list[str]:
    problems = [f"unknown statement element {key!r}" for key in sorted(set(item) - _ELEMENTS)]
    if "Sid" in item and not isinstance(item["Sid"], str):
        problems.append(f"Sid holds a value that is not a string: {_show(item['Sid'])}")
    if ("Action" in item) == ("NotAction" in item):
        problems.append("statement needs exactly one of Action and NotAction")
    if "Resource" in item and "NotResource" in item:
        problems.append("statement has both Resource and NotResource")
    if "Resource" not in item and "NotResource" not in item and kind != "trust":
        problems.append("statement has neither Resource nor NotResource")
    has_principal = "Principal" in item or "NotPrincipal" in item
    if kind in _PRINCIPAL_KINDS and has_principal:
        problems.append(f"a {kind} policy cannot name a Principal")
    if kind not in _PRINCIPAL_KINDS and not has_principal:
        problems.append(f"a {kind} policy statement needs a Principal")
    if "Principal" in item and "NotPrincipal" in item:
        problems.append("statement has both Principal and NotPrincipal")
    if kind == "trust" and "NotPrincipal" in item:
        problems.append("a trust policy cannot use NotPrincipal")
    return problems


def _actions(item: Mapping[str, Any], _kind: str, _variables: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element, field in (("Action", "actions"), ("NotAction", "not_actions")):
        if element in item:
            out[field] = _strings(item[element], element)
    return out


def _resources(item: Mapping[str, Any], _kind: str, variables: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element, field in (("Resource", "resources"), ("NotResource", "not_resources")):
        if element in item:
            values = _strings(item[element], element)
            for value in values:
                _check_resource(value, element, variables)
            out[field] = values
    return out


def _check_resource(value: str, element: str, variables: bool) -> None:
    if not arn_shaped(value):
        raise _Unknown(f"{element} {value!r} is neither '*' nor an ARN")
    if variables and has_variable(value):
        if parse_template(value) is None:
            raise _Unknown(f"{element} {value!r} has a malformed policy variable")
        if variables_before_resource_part(value):
            raise _Unknown(f"{element} {value!r} has a policy variable before the resource part of the ARN")


def _principal_fields(item: Mapping[str, Any], _kind: str, _variables: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for element, field in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if element in item:
            out[field] = _principal(item[element], element)
    return out


def _principal(value: Any, element: str) -> PrincipalMap:
    if value == "*":
        return (("*", ("*",)),)
    if not isinstance(value, Mapping) or not value:
        raise _Unknown(f"{element} is neither '*' nor an object: {_show(value)}")
    entries: list[tuple[str, tuple[str, ...]]] = []
    for kind, raw in value.items():
        if kind not in principals.KINDS:
            raise _Unknown(f"{element} has an unknown principal type {kind!r}")
        names = _strings(raw, f"{element} {kind}")
        entries.append((kind, tuple(_principal_name(kind, name, element) for name in names)))
    return tuple(entries)


def _principal_name(kind: str, name: str, element: str) -> str:
    if name != "*" and has_wildcard(name):
        raise _Unknown(f"{element} {kind} {name!r} has a partial wildcard (AWS allows only '*')")
    if kind != "AWS" or name == "*":
        return name
    if _ACCOUNT.match(name):
        return f"arn:aws:iam::{name}:root"
    if not principals.is_principal_arn(name):
        raise _Unknown(f"{element} AWS {name!r} is neither an account id nor an IAM/STS principal ARN")
    return name


def _conditions(item: Mapping[str, Any], _kind: str, _variables: bool) -> dict[str, Any]:
    if "Condition" not in item:
        return {}
    block = item["Condition"]
    if not isinstance(block, Mapping):
        raise _Unknown(f"Condition is not an object: {_show(block)}")
    out: list[Condition] = []
    for operator, tests in block.items():
        if not isinstance(tests, Mapping) or not tests:
            raise _Unknown(f"Condition {operator} is not an object of keys: {_show(tests)}")
        for key, raw in tests.items():
            out.append(Condition(operator, key, _condition_values(raw, f"Condition {operator} {key}")))
        if parse_operator(operator) is None:
            raise _Unknown(f"Condition operator {operator!r} is not one AWS documents")
    return {"conditions": tuple(out)}


def _condition_values(raw: Any, element: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise _Unknown(f"{element} has no values")
    values: list[str] = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, (int, float, str)):
            values.append(str(item))
        else:
            raise _Unknown(f"{element} holds a value that is not a string: {_show(item)}")
    return tuple(values)


_READERS = {
    "actions": _actions,
    "resources": _resources,
    "principals": _principal_fields,
    "conditions": _conditions,
}


def actions_matching(
    statement_or_policies: Statement | Policy | Iterable[Statement | Policy], catalogue: Iterable[str]
) -> frozenset[str]:
    """The catalogue actions that some Allow statement's Action/NotAction covers.

    An action outside the result is provably implicitly denied by these policies (no Allow
    can apply to it), so exhaustive enumeration may skip it. An Allow whose actions could not
    be read covers the whole catalogue.
    """
    return covered(_allow_statements(statement_or_policies), catalogue)


def _allow_statements(value: Statement | Policy | Iterable[Statement | Policy]) -> list[Statement]:
    if isinstance(value, Statement):
        return [value] if value.effect == "Allow" else []
    if isinstance(value, Policy):
        return [s for s in value.statements if s.effect == "Allow"]
    out: list[Statement] = []
    for item in value:
        out.extend(_allow_statements(item))
    return out
