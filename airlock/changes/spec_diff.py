"""Differences between two specs, field by field, sorted into security categories.

Both specs are flattened into leaves: mappings by key, lists of named items (integrations,
buffers, endpoints) by name, other lists as sets of their items, so reordering is no change.
Each changed leaf is matched against :data:`RULES` by its generic path (names replaced by
``*``); a field no rule names bears on no security property and is only counted. A named item
that exists on one side only is one change ("endpoint nimbus-api added"), not one per field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from airlock.changes.model import Change, ChangeKind
from airlock.spec import Spec

#: When a change widens: an item ``added`` to a set, a set or item ``removed``, a number ``increased``,
#: a value that became ``active``, or ``never``.
Widen = Literal["added", "removed", "increased", "active", "never"]


@dataclass(frozen=True)
class Rule:
    pattern: str
    category: str
    widens: Widen
    words: str


#: Generic path (regular expression, names as ``*``) -> category, when it widens, and what it is.
RULES: tuple[Rule, ...] = (
    Rule(r"integrations\.\*", "integrations", "added", "integration"),
    Rule(r"integrations\.\*\.access\.(principals|trust_accounts)", "principals", "added", "trusted vendor principals"),
    Rule(r"integrations\.\*\.vendor\.account_ids", "principals", "added", "vendor accounts"),
    Rule(r"integrations\.\*\.core_consumers", "principals", "added", "core consumers"),
    Rule(r"integrations\.\*\.access\.grants", "access", "added", "declared grants"),
    Rule(r"integrations\.\*\.event_sources\.\*", "access", "added", "EventBridge partner event source into a buffer"),
    Rule(
        r"integrations\.\*\.drop_zone\.notify_vendor",
        "access",
        "added",
        "drop-zone notifications to the vendor's own queues or topics",
    ),
    Rule(r"integrations\.\*\.access\.source_ips", "source ranges and ports", "added", "AssumeRole source ranges"),
    Rule(
        r"integrations\.\*\.network\.vendor_endpoints\.\*\.(sources|ports)",
        "source ranges and ports",
        "added",
        "vendor endpoint sources or ports",
    ),
    Rule(
        r"integrations\.\*\.network\.exposed_apis\.\*\.(ports|targets|allowed_principals)",
        "source ranges and ports",
        "added",
        "exposed API ports, targets or principals",
    ),
    Rule(r"integrations\.\*\.webhooks\.\*\.source_ranges", "source ranges and ports", "added", "webhook source ranges"),
    Rule(
        r"integrations\.\*\.webhooks\.\*\.required_headers", "trust conditions", "removed", "required webhook headers"
    ),
    Rule(r"integrations\.\*\.webhooks\.\*\.body_schema(\..*)?", "trust conditions", "never", "webhook body schema"),
    Rule(r"integrations\.\*\.webhooks\.\*", "endpoints", "added", "public webhook endpoint"),
    Rule(r"integrations\.\*\.network\.cidr", "source ranges and ports", "never", "VPC CIDR"),
    Rule(r"integrations\.\*\.access\.external_id", "trust conditions", "never", "external id"),
    Rule(r"integrations\.\*\.access\.session_tags(\..*)?", "trust conditions", "removed", "required session tags"),
    Rule(r"integrations\.\*\.access\.max_session_seconds", "trust conditions", "increased", "longest session"),
    Rule(r"integrations\.\*\.state", "trust conditions", "active", "state"),
    Rule(r"integrations\.\*\.network\.(dns|egress)\.allowed_domains", "domains", "added", "allowed domains"),
    Rule(r"integrations\.\*\.network\.(dns|egress)", "domains", "added", "domain filter"),
    Rule(r"(organization|integrations\.\*)\.guardrails(\..*)?", "guardrails", "removed", "guardrails"),
    Rule(r"organization\.(deployment_role_pattern|break_glass_role)", "guardrails", "never", "SCP-exempt role"),
    Rule(
        r"integrations\.\*\.network\.(vendor_endpoints|exposed_apis)\.\*",
        "endpoints",
        "added",
        "PrivateLink endpoint or exposed API",
    ),
    Rule(r"integrations\.\*\.network\.service_endpoints", "endpoints", "never", "AWS service endpoints"),
    Rule(
        r"integrations\.\*\.network\.vendor_resources",
        "endpoints",
        "added",
        "vendor accounts the service endpoints admit",
    ),
    Rule(r"organization\.allowed_regions", "regions", "added", "allowed regions"),
    Rule(r"integrations\.\*\.regions", "regions", "never", "regions"),
    Rule(r".*(retention.*|expire_after_days)", "retention", "never", "retention"),
    Rule(r".*\.(subscribers|default_subscribers|notify)", "alarm recipients", "never", "alarm and budget recipients"),
    Rule(r"integrations\.\*\.(account(\..*)?|ou)", "accounts", "never", "intermediate account or its OU"),
    Rule(
        r"organization\.(ou_name|parent_id|ous(\..*)?|management_account_id|organization_id|access\..*)",
        "accounts",
        "never",
        "organization",
    ),
    Rule(r"integrations\.\*\.data_classification", "data classification", "never", "data classification"),
    Rule(r"organization\.compliance(\..*)?", "compliance", "removed", "compliance packs"),
)


class _Set(frozenset[str]):
    """A list whose order does not matter, as the set of its items (JSON text)."""


Path = tuple[str, ...]


def _flatten(value: Any, path: Path, generic: Path, out: dict[Path, tuple[Path, Any]], named: set[Path]) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, (*path, str(key)), (*generic, str(key)), out, named)
        if not value:
            out[path] = (generic, {})
        return
    if isinstance(value, list) and value and all(isinstance(i, dict) and "name" in i for i in value):
        for item in value:
            named.add((*path, str(item["name"])))
            _flatten(item, (*path, str(item["name"])), (*generic, "*"), out, named)
        return
    if isinstance(value, list):
        out[path] = (generic, _Set(_item(i) for i in value))
        return
    out[path] = (generic, value)


def _item(value: Any) -> str:
    """A list item as text: strings as they are, mappings as JSON without their unset (null) keys."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v is not None}
    return json.dumps(value, sort_keys=True)


def flatten(spec: Spec) -> tuple[dict[Path, tuple[Path, Any]], set[Path]]:
    """Leaf path -> (generic path, value), and the paths of named items."""
    out: dict[Path, tuple[Path, Any]] = {}
    named: set[Path] = set()
    _flatten(spec.model_dump(mode="json"), (), (), out, named)
    return out, named


def rule_for(generic: Path) -> Rule | None:
    text = ".".join(generic)
    return next((rule for rule in RULES if re.fullmatch(rule.pattern, text)), None)


def _widens(rule: Rule, kind: ChangeKind, before: Any, after: Any) -> bool:
    if rule.widens == "added":
        return kind == "added"
    if rule.widens == "removed":
        return kind == "removed"
    if rule.widens == "increased":
        return isinstance(before, int | float) and isinstance(after, int | float) and after > before
    if rule.widens == "active":
        return after == "active" and before != "active"
    return False


def _integration(path: Path) -> str | None:
    return path[1] if len(path) > 1 and path[0] == "integrations" else None


def _show(value: Any, secret: bool) -> str:
    if secret:
        return "(value not shown)"
    return value if isinstance(value, str) else json.dumps(value)


def _leaf_changes(path: Path, generic: Path, before: Any, after: Any) -> Iterator[tuple[ChangeKind, str, Any, Any]]:
    """(kind, words, before, after) of one leaf that differs."""
    secret = path[-1] == "external_id"
    if isinstance(before, _Set) or isinstance(after, _Set):
        old, new = before or _Set(), after or _Set()
        for item in sorted(new - old):
            yield "added", f"{item} added", old, new
        for item in sorted(old - new):
            yield "removed", f"{item} removed", old, new
        if old and not new and generic[-1] == "source_ips":  # no ranges left: from anywhere
            yield "added", "no ranges left: AssumeRole is accepted from anywhere", old, new
        return
    if before is None:
        yield "added", f"set to {_show(after, secret)}", before, after
    elif after is None:
        yield "removed", f"{_show(before, secret)} removed", before, after
    else:
        yield "changed", f"{_show(before, secret)} -> {_show(after, secret)}", before, after


def spec_changes(old: Spec, new: Spec) -> tuple[list[Change], list[str]]:
    """The security-relevant changes from ``old`` to ``new``, and the other changed fields."""
    (before, old_named), (after, new_named) = flatten(old), flatten(new)
    changes: list[Change] = []
    other: list[str] = []
    reported: set[Path] = set()
    for path in sorted(set(before) | set(after)):
        generic = (before.get(path) or after.get(path))[0]  # type: ignore[index]
        old_value, new_value = before.get(path, (None, None))[1], after.get(path, (None, None))[1]
        if old_value == new_value:
            continue
        whole = next(
            (path[:n] for n in range(1, len(path) + 1) if (path[:n] in old_named) != (path[:n] in new_named)), None
        )
        if whole is not None:
            if whole not in reported:
                reported.add(whole)
                item = _item_change(whole, generic[: len(whole)], whole in new_named)
                if item is None:
                    other.append(".".join(whole))
                else:
                    changes.append(item)
            continue
        rule = rule_for(generic)
        if rule is None:
            other.append(".".join(path))
            continue
        for kind, words, was, now in _leaf_changes(path, generic, old_value, new_value):
            changes.append(
                Change(
                    category=rule.category,
                    kind=kind,
                    subject=".".join(path),
                    detail=f"{rule.words}: {words}",
                    widens=_widens(rule, kind, was, now) or words.startswith("no ranges left"),
                    integration=_integration(path),
                )
            )
    return changes, other


def _item_change(path: Path, generic: Path, added: bool) -> Change | None:
    """A named item (integration, endpoint, ...) that exists on one side only; None if no rule names it."""
    rule = rule_for(generic)
    if rule is None:
        return None
    kind: ChangeKind = "added" if added else "removed"
    return Change(
        category=rule.category,
        kind=kind,
        subject=".".join(path),
        detail=f"{rule.words} {path[-1]} {kind}",
        widens=_widens(rule, kind, None, None),
        integration=_integration(path),
    )
