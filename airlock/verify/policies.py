"""Normalised comparison of IAM policy documents (SCPs, trust policies, queue policies).

Two documents that grant the same thing compare equal even when AWS returns them
re-serialised: a single action as a string or a one-element list, lists in another order,
statements in another order, ``Principal: "*"`` as ``{"AWS": "*"}``. Nothing is
interpreted beyond that: a wildcard is not expanded, so ``s3:Get*`` and ``s3:GetObject``
differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

_LISTY = ("Action", "NotAction", "Resource", "NotResource")


def parse(document: Mapping[str, Any] | str) -> dict[str, Any]:
    """A policy document from its dict, JSON text or URL-encoded JSON text (IAM's GetRole)."""
    if isinstance(document, Mapping):
        return dict(document)
    text = document.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("a policy document is a JSON object")
    return value


def _as_sorted_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def _principal(value: Any) -> Any:
    if value == "*":
        return {"AWS": ["*"]}
    if isinstance(value, Mapping):
        return {key: _as_sorted_list(inner) for key, inner in sorted(value.items())}
    return value


def _condition(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    return {
        operator: {key: _as_sorted_list(inner) for key, inner in sorted(keys.items())}
        if isinstance(keys, Mapping)
        else keys
        for operator, keys in sorted(value.items())
    }


def statements(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = document.get("Statement", [])
    return [dict(s) for s in (raw if isinstance(raw, list) else [raw]) if isinstance(s, Mapping)]


def normalise_statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in sorted(statement.items()):
        if key in _LISTY:
            result[key] = _as_sorted_list(value)
        elif key in ("Principal", "NotPrincipal"):
            result[key] = _principal(value)
        elif key == "Condition":
            result[key] = _condition(value)
        else:
            result[key] = value
    return result


def normalise(document: Mapping[str, Any] | str) -> dict[str, Any]:
    """The canonical form of a policy document (see the module docstring)."""
    parsed = parse(document)
    normalised = {key: value for key, value in sorted(parsed.items()) if key != "Statement"}
    normalised["Statement"] = sorted(
        (normalise_statement(s) for s in statements(parsed)), key=lambda s: json.dumps(s, sort_keys=True)
    )
    return normalised


def same(left: Mapping[str, Any] | str, right: Mapping[str, Any] | str) -> bool:
    return normalise(left) == normalise(right)


def difference(expected: Mapping[str, Any] | str, actual: Mapping[str, Any] | str) -> str:
    """A short description of how ``actual`` differs from ``expected``: at statement level for
    IAM-style documents, by the paths of the differing attributes for management policies
    (declarative and tag policies have no statements)."""
    if "Statement" not in parse(expected) and "Statement" not in parse(actual):
        paths = _differing_paths(parse(expected), parse(actual))
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        return f"{len(paths)} attribute(s) differ: {shown}" if paths else "the documents differ"
    want = [json.dumps(s, sort_keys=True) for s in normalise(expected)["Statement"]]
    have = [json.dumps(s, sort_keys=True) for s in normalise(actual)["Statement"]]
    missing = [s for s in want if s not in have]
    extra = [s for s in have if s not in want]
    parts = []
    if missing:
        parts.append(f"{len(missing)} expected statement(s) absent or changed")
    if extra:
        parts.append(f"{len(extra)} statement(s) not in the expected document")
    return "; ".join(parts) or "document metadata differs (Version or Id)"


def _differing_paths(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Dotted paths where two JSON values differ (keys of either side, recursively)."""
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        paths: list[str] = []
        for key in sorted(set(expected) | set(actual)):
            inner = f"{path}.{key}" if path else str(key)
            if key not in expected or key not in actual:
                paths.append(inner)
            else:
                paths.extend(_differing_paths(expected[key], actual[key], inner))
        return paths
    return [] if expected == actual else [path or "(document)"]


def denies_insecure_transport(document: Mapping[str, Any] | str | None, service: str) -> bool:
    """True if the policy denies every principal every ``service`` action without TLS.

    That is a ``Deny`` of ``<service>:*`` (or ``*``) to ``*`` under ``Bool
    aws:SecureTransport false``.
    """
    if not document:
        return False
    for statement in statements(parse(document)):
        normalised = normalise_statement(statement)
        if normalised.get("Effect") != "Deny" or normalised.get("Principal") != {"AWS": ["*"]}:
            continue
        if not {f"{service}:*", "*"} & set(normalised.get("Action", [])):
            continue
        secure = normalised.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport")
        if secure and [str(v).lower() for v in secure] == ["false"]:
            return True
    return False
