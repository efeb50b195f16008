"""Which spec field made a construct: metadata that travels from the stacks to the reports.

The stacks mark the construct they build from a spec field (``mark(buffer, "buffers[0]",
integration="crm", purpose="buffer crm-events")``); the mark is construct metadata, so it
lands in the cloud assembly's manifest beside the construct's path, not in any template. A
report finds a resource's origin at the nearest marked construct above it: a finding on
``airlock-crm-eu-central-1/Buffers/crm-events/Queue/Resource`` belongs to the field
``integrations[0].buffers[0]``, which the spec's line map turns into a file and line. Fields
are written relative to their integration, named by its name, so a mark stays true when
integrations are reordered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airlock.compliance.report import assembly_metadata

if TYPE_CHECKING:
    from constructs import IConstruct

ORIGIN_METADATA = "airlock:spec-origin"
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Origin:
    """The spec field a construct was made from, and what the construct is for."""

    field: str
    purpose: str
    integration: str | None = None

    def spec_field(self, integrations: Sequence[str]) -> str | None:
        """The field's full path (``integrations[0].buffers[0]``), given the spec's integration names."""
        if self.integration is None:
            return self.field
        if self.integration not in integrations:
            return None
        prefix = f"integrations[{list(integrations).index(self.integration)}]"
        return f"{prefix}.{self.field}" if self.field else prefix


def mark(construct: IConstruct, field: str, *, purpose: str, integration: str | None = None) -> None:
    """Record that ``construct`` (and what is below it) comes from spec field ``field``, for ``purpose``."""
    data: dict[str, Any] = {"field": field, "purpose": purpose}
    if integration is not None:
        data["integration"] = integration
    construct.node.add_metadata(ORIGIN_METADATA, data, stack_trace=False)


def read_origins(outdir: str | Path) -> dict[str, Origin]:
    """Construct path -> origin, for every marked construct of an assembly."""
    out = {}
    for path, data in assembly_metadata(outdir, ORIGIN_METADATA):
        if isinstance(data, dict) and "field" in data:
            out[path] = Origin(str(data["field"]), str(data.get("purpose", "")), data.get("integration"))
    return out


def origin_at(path: str, origins: Mapping[str, Origin]) -> tuple[str, Origin] | None:
    """The nearest marked construct at or above construct ``path``: (its path, its origin)."""
    current = path.strip("/")
    while current:
        if current in origins:
            return current, origins[current]
        current = current.rpartition("/")[0]
    return None


def field_loc(field: str) -> tuple[str | int, ...]:
    """``integrations[0].buffers[1]`` -> ``("integrations", 0, "buffers", 1)``."""
    return tuple(int(index) if index else name for name, index in _PART.findall(field))


def _humanize(relative: str) -> str:
    """``DeadLetterQueue/Resource`` -> ``dead letter queue``: a construct id path in words."""
    parts = [p for p in relative.split("/") if p and p not in ("Resource", "Default")]
    words = [re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", part).replace("-", " ").lower() for part in parts]
    return " ".join(words)


def purpose_of(path: str, origins: Mapping[str, Origin]) -> str | None:
    """What the construct at ``path`` is for: its origin's purpose, and its place below it."""
    found = origin_at(path, origins)
    if found is None:
        return None
    marked, origin = found
    rest = _humanize(path.strip("/")[len(marked) :])
    return f"{origin.purpose}: {rest}" if rest else origin.purpose


def resource_purposes(outdir: str | Path) -> dict[tuple[str, str], str]:
    """(stack, logical id) -> what the resource is for, for every resource below a marked construct."""
    origins = read_origins(outdir)
    out = {}
    for path, logical_id in assembly_metadata(outdir, "aws:cdk:logicalId"):
        purpose = purpose_of(path, origins)
        if purpose is not None:
            out[(path.split("/", 1)[0], str(logical_id))] = purpose
    return out


def locate_in_spec(
    findings: Sequence[Any],
    assembly: Path,
    spec_path: Path,
    paths: Mapping[tuple[str, str], str],
    integrations: Sequence[str],
) -> list[Any]:
    """Fill in the spec field, its line and the purpose of each finding's resource.

    A finding whose ``origin`` is already set (the access proof's flows) keeps it; others find
    it from their construct path, or from (stack, logical id) through ``paths``.
    ``integrations`` are the spec's integration names, in order.
    """
    from dataclasses import replace

    from airlock.spec.loader import line_of, spec_lines

    origins = read_origins(assembly)
    lines = spec_lines(spec_path)
    out = []
    for finding in findings:
        path = finding.path
        if finding.logical_id and (finding.stack, finding.logical_id) in paths:
            path = paths[(finding.stack, finding.logical_id)]
        field = finding.origin
        found = origin_at(path, origins) if path else None
        if field is None and found is not None:
            field = found[1].spec_field(integrations)
        line = line_of(field_loc(field), lines) if field else None
        purpose = purpose_of(path, origins) if found is not None else None
        out.append(replace(finding, origin=field, origin_line=line, purpose=purpose))
    return out
