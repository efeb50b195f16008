"""cfn-guard's ``--structured`` results, read exactly as cdk-validator-cfnguard reads them.

A port of the result parsing in cdk-validator-cfnguard's ``lib/plugin.js`` (``reviver``,
``extractNestedChecks``, ``extractNestedObject``) and ``lib/check.js`` (``ViolationCheck``),
keeping JavaScript's semantics where they matter: a key holding ``undefined`` still exists,
``??`` skips null and undefined (and evaluates its right side only then), ``||`` skips every
falsy value. tests/unit/test_guard_results.py runs the package's own JavaScript on the same
cfn-guard output and requires the same violations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any


class _Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()


def _get(value: Any, key: str) -> Any:
    if value is None or value is UNDEFINED:
        raise TypeError(f"cannot read '{key}' of {'null' if value is None else 'undefined'}")
    return value.get(key, UNDEFINED) if isinstance(value, dict) else UNDEFINED


def _opt(value: Any, key: str) -> Any:
    """``value?.key``."""
    return UNDEFINED if value is None or value is UNDEFINED else _get(value, key)


def _nullish(value: Any, *fallbacks: Callable[[], Any]) -> Any:
    """``value ?? b ?? c``, with each fallback evaluated only when needed, as in JavaScript."""
    for fallback in fallbacks:
        if value is not None and value is not UNDEFINED:
            return value
        value = fallback()
    return value


def _truthy(value: Any) -> bool:
    return value is not UNDEFINED and bool(value)


def _values(value: Any) -> list[Any]:
    """``Object.values``."""
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return list(value)
    if value is None or value is UNDEFINED:
        raise TypeError("cannot convert undefined or null to object")
    return []


def _is_object(value: Any) -> bool:
    """``typeof value === 'object'`` (true for null and arrays, as in JavaScript)."""
    return value is None or isinstance(value, dict | list)


def _has_own(value: Any, key: str) -> bool:
    if value is None:
        raise TypeError(f"cannot read 'hasOwnProperty' of null (looking for '{key}')")
    return isinstance(value, dict) and key in value


def _flat(items: Iterable[Any]) -> list[Any]:
    """``flatMap``'s flattening of one level."""
    out: list[Any] = []
    for item in items:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out


def _extract_nested_checks(checks: list[Any]) -> list[Any]:
    nested = any(any(_is_object(value) and _has_own(value, "checks") for value in _values(check)) for check in checks)
    if nested:

        def pull(check: Any) -> Any:
            if isinstance(check, dict) and "traversed" in check:
                return check
            out = []
            for check_value in _values(check):
                inner = _get(check_value, "checks")
                if inner is None or inner is UNDEFINED:
                    inner = check_value
                for nested_value in _values(inner):
                    merged = dict(nested_value) if isinstance(nested_value, dict) else {}
                    merged["name"] = _get(check_value, "name")
                    own = partial(_get, nested_value, "messages")
                    merged["messages"] = _nullish(_get(check_value, "messages"), own)
                    out.append(merged)
            return out

        return _flat(pull(check) for check in checks)
    return _flat(check if isinstance(check, dict) and "traversed" in check else _values(check) for check in checks)


def _extract_nested_object(obj: dict[str, Any]) -> Any:
    new_object: Any = obj
    for key, nested in obj.items():
        lowered = key.lower()
        if lowered == "traversed_to":
            origin = _get(nested, "from")
            new_object = {
                "traversed": {
                    "to": {"path": _get(nested, "path"), "value": _get(nested, "value")},
                    "from": {"path": _get(origin, "path"), "value": UNDEFINED} if _truthy(origin) else UNDEFINED,
                },
                "messages": _get(nested, "messages"),
            }
        elif lowered == "unresolved":
            new_object = {
                "resolved": False,
                "traversed": _get(nested, "traversed"),
                "messages": _nullish(_get(nested, "messages"), lambda: _get(obj, "messages")),
            }
        elif lowered in ("resolved", "inresolved"):
            if not isinstance(nested, dict):
                raise TypeError(f"cannot use 'in' operator to search in {nested!r}")
            if "from" in nested:
                new_object = {
                    "resolved": True,
                    "traversed": {
                        "from": nested["from"],
                        "to": {"path": _get(nested["from"], "path"), "value": _get(_get(nested, "to"), "value")},
                    },
                    "messages": _get(nested, "messages"),
                }
            elif "value" in nested:
                new_object = {
                    "resolved": True,
                    "traversed": {
                        "from": nested["value"],
                        "to": {"path": _get(nested["value"], "path"), "value": _get(nested["value"], "value")},
                    },
                    "messages": _get(nested, "messages"),
                }
        if isinstance(nested, dict):
            for inner_key, inner in nested.items():
                if inner_key.lower() == "traversed":
                    new_object = {
                        "traversed": _get(nested, "traversed"),
                        "resolved": _get(nested, "resolved"),
                        "messages": _nullish(
                            _get(nested, "messages"),
                            partial(_get, inner, "messages"),
                            lambda: _get(obj, "messages"),
                        ),
                    }
    return new_object


def _revive(key: str, value: Any) -> Any:
    """``JSON.parse(text, reviver)``: children first, then the value itself."""
    if isinstance(value, dict):
        value = {child: _revive(child, item) for child, item in value.items()}
    elif isinstance(value, list):
        value = [_revive(str(index), item) for index, item in enumerate(value)]
    if key == "not_compliant":
        return [_get(item, "Rule") for item in _values(value)]
    if isinstance(value, dict):
        return _extract_nested_object(value)
    if key == "checks" and isinstance(value, list):
        return _extract_nested_checks(_flat(value))
    return value


def _violations_of_check(rule_check: Any, template_path: str) -> list[dict[str, Any]]:
    """``new ViolationCheck(ruleCheck, templatePath).processCheck()``."""
    violation: dict[str, Any] = {"description": UNDEFINED, "fix": UNDEFINED}
    by_fix: dict[Any, dict[str, Any]] = {}
    for check in _get(rule_check, "checks"):
        custom = _opt(_get(check, "messages"), "custom_message")
        if _truthy(custom):
            for line in custom.split("\n"):
                message = line.strip()
                if not message:
                    continue
                if message.startswith("[FIX]"):
                    violation["fix"] = re.sub(r"^\[FIX\]:\s*", "", message, count=1)
                else:
                    violation["description"] = message
        messages = _get(check, "messages")
        if not _truthy(violation["description"]):
            violation["description"] = _opt(messages, "custom_message")
            if not _truthy(violation["description"]):
                violation["description"] = _opt(messages, "error_message")
        violation["fix"] = _nullish(violation["fix"], partial(_opt, messages, "custom_message"), lambda: "N/A")
        location = _get(_get(_get(check, "traversed"), "to"), "path")
        parts = location.split("/")
        resource_name = parts[2] if len(parts) > 2 else UNDEFINED
        entry = by_fix.get(violation["fix"])
        if entry is None:
            by_fix[violation["fix"]] = {
                "resources": {resource_name: [location]},
                "description": _nullish(violation["description"], lambda: ""),
                "fix": violation["fix"],
            }
        else:
            entry["resources"].setdefault(resource_name, []).append(location)
    return [
        {
            "description": entry["description"],
            "fix": entry["fix"],
            "rule_name": _get(rule_check, "name"),
            "resources": [
                (None if name is UNDEFINED else name, locations) for name, locations in entry["resources"].items()
            ],
            "template_path": template_path,
        }
        for entry in by_fix.values()
    ]


def violations_of(guard_output: Any) -> tuple[bool, list[dict[str, Any]]]:
    """Whether cfn-guard's ``--structured`` JSON output is compliant, and its violations.

    Read as CfnGuardValidator reads it.
    """
    results = _revive("", json.loads(json.dumps(guard_output)))
    if not isinstance(results, list):
        raise TypeError("cfn-guard's results are not a list")
    success = True
    found = []
    for result in results:
        not_compliant = _get(result, "not_compliant")
        if not _truthy(not_compliant) or len(not_compliant) == 0:
            continue
        success = False
        for rule_check in not_compliant:
            found.extend(_violations_of_check(rule_check, _get(result, "name")))
    return success, found
