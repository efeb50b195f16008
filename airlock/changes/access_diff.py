"""Differences of what the templates allow: each vendor's effective access, action by action,
and the SCPs with their statements and targets.

The effective access is the access proof's exhaustive computation
(:func:`airlock.access.effective.effective_access`) on each side's assembly, so a widened
grant, a looser resource policy or a removed deny all show as the actions a vendor principal
gains, whatever spec field caused them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from airlock.access.assembly import StackArtifact
from airlock.access.effective import DIRECT, display_resource, effective_access
from airlock.access.world import World
from airlock.changes.model import Change

#: (integration, principal) -> the (action, resource, via) it can perform.
AccessMap = dict[tuple[str, str], set[tuple[str, str, str]]]


def access_map(world: World) -> AccessMap:
    out: AccessMap = {}
    for integration in world.spec.integrations:
        for result in effective_access(world, integration.name):
            out[(integration.name, result.principal)] = {
                (a.action, display_resource(a.resource), a.via) for a in result.allowed
            }
    return out


def _words(action: str, resource: str, via: str) -> str:
    return f"{action} on {resource}" + ("" if via == DIRECT else f" via {via}")


def access_changes(old: AccessMap, new: AccessMap) -> list[Change]:
    """Actions each vendor principal gains (widens) or loses, one change per action and resource."""
    changes = []
    for integration, principal in sorted(set(old) | set(new)):
        before, after = old.get((integration, principal), set()), new.get((integration, principal), set())
        for entry in sorted(after - before):
            changes.append(
                Change("access", "added", principal, f"can now {_words(*entry)}", widens=True, integration=integration)
            )
        for entry in sorted(before - after):
            changes.append(
                Change("access", "removed", principal, f"can no longer {_words(*entry)}", integration=integration)
            )
    return changes


def _target(value: Any, resources: Mapping[str, Any]) -> str:
    """A policy target in words: an account id, or the OU or account resource it references."""
    if isinstance(value, dict) and len(value) == 1:
        ((_, argument),) = value.items()
        logical_id = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
        properties = (resources.get(logical_id) or {}).get("Properties") or {}
        if "AccountName" in properties:
            return f"account {properties['AccountName']}"
        return f"OU {properties.get('Name', logical_id)}"
    return f"account {value}" if str(value).isdigit() else str(value)


def applied(stacks: Iterable[StackArtifact]) -> dict[str, dict[str, str]]:
    """Target -> statement id -> statement (JSON) of the SCPs that apply to it (``not attached``
    for policies without targets).

    Statements are counted per target, not per policy, so a statement that moves between
    the parts of a split policy is no change.
    """
    out: dict[str, dict[str, str]] = {}
    for stack in stacks:
        resources = stack.template.get("Resources") or {}
        for resource in resources.values():
            if resource.get("Type") != "AWS::Organizations::Policy":
                continue
            properties = resource.get("Properties") or {}
            content = properties.get("Content") or {}
            statements = content.get("Statement", []) if isinstance(content, Mapping) else []
            sids = {
                str(s.get("Sid", properties.get("Name", "?"))): json.dumps(s, sort_keys=True)
                for s in statements
                if isinstance(s, Mapping)
            }
            for target in [_target(t, resources) for t in properties.get("TargetIds") or []] or ["not attached"]:
                out.setdefault(target, {}).update(sids)
    return out


def scp_changes(old: Sequence[StackArtifact], new: Sequence[StackArtifact]) -> list[Change]:
    """SCP statements that start or stop applying to an account or OU, or change. One that stops
    widens; so does one that changes, since whether it denies less is not judged here."""
    before, after = applied(old), applied(new)
    changes = []
    for target in sorted(set(before) | set(after)):
        was, now = before.get(target, {}), after.get(target, {})
        for sid in sorted(set(was) & set(now)):
            if was[sid] != now[sid]:
                words = f"SCP statement {sid} on {target} changed: review whether it denies less"
                changes.append(Change("guardrails", "changed", target, words, True))
        for sid in sorted(set(now) - set(was)):
            changes.append(Change("guardrails", "added", target, f"SCP statement {sid} now applies to {target}"))
        for sid in sorted(set(was) - set(now)):
            changes.append(
                Change("guardrails", "removed", target, f"SCP statement {sid} no longer applies to {target}", True)
            )
    return changes
