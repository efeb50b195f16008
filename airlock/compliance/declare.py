"""Declarations a stack makes about itself, for the AirlockChecks pack to read.

They are construct metadata on the scope (usually a stack), so they are visible in the cloud
assembly's manifest too: an auditor sees what a stack declared, not only what passed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from constructs import IConstruct

from airlock.compliance.rules import Declarations

MANDATORY_TAGS = "airlock:mandatory-tags"
FILTERED_EGRESS = "airlock:filtered-egress"


def declare_mandatory_tags(scope: IConstruct, keys: Sequence[str]) -> None:
    """Require every taggable resource in ``scope`` to carry a non-empty value for each tag in ``keys``."""
    keys = [str(key) for key in keys]
    if not keys or any(not key.strip() for key in keys):
        raise ValueError(f"keys {keys} must name at least one tag and no blank one")
    scope.node.add_metadata(MANDATORY_TAGS, sorted(set(keys)), stack_trace=False)


def declare_filtered_egress(scope: IConstruct, *, via: str) -> None:
    """Declare that traffic out of ``scope`` is filtered, and by what (e.g. the firewall's construct path).

    With the declaration, the Airlock-IsolatedNetwork rule accepts internet gateways, peering,
    transit gateway attachments and VPNs in ``scope``. Without it, each of them is a finding.
    """
    if len(via.strip()) < 3:
        raise ValueError(f"via {via!r} does not say what filters the egress; name the firewall or proxy")
    scope.node.add_metadata(FILTERED_EGRESS, via.strip(), stack_trace=False)


def declared_by(construct: IConstruct) -> dict[str, Any]:
    """The declarations ``construct`` itself made (the first of each kind), by kind."""
    found: dict[str, Any] = {}
    for entry in construct.node.metadata:
        if entry.type in (MANDATORY_TAGS, FILTERED_EGRESS) and entry.type not in found:
            found[entry.type] = entry.data
    return found


def declarations_of(scope: IConstruct, own: Callable[[IConstruct], Mapping[str, Any]] = declared_by) -> Declarations:
    """The declarations that apply to ``scope``: its own and its ancestors' (the nearest wins).

    ``own`` reads one construct's declarations; AirlockChecks passes one that reads each
    construct's metadata once per validation.
    """
    found: dict[str, Any] = {}
    for construct in reversed(scope.node.scopes):
        for kind, data in own(construct).items():
            found.setdefault(kind, data)
    return Declarations(
        mandatory_tags=tuple(found.get(MANDATORY_TAGS) or ()),
        filtered_egress=found.get(FILTERED_EGRESS),
    )
