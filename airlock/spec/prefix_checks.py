"""Grants on drop-zone files name a prefix of the drop zone, or a prefix under one."""

from __future__ import annotations

from collections.abc import Sequence

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration


def prefix_issues(integration: Integration, located: Sequence[tuple[Loc, str]]) -> list[SpecIssue]:
    """An issue for each ``(where, prefix)`` whose prefix is not under a drop-zone prefix of ``integration``."""
    declared = list(integration.drop_zone.prefixes) if integration.drop_zone else []
    fix = (
        f"use one of the drop-zone prefixes {declared} (or a prefix under one)"
        if declared
        else "declare a drop_zone with this prefix"
    )
    return [
        SpecIssue(where, f"'{prefix}' is not under a drop-zone prefix of this integration; {fix}")
        for where, prefix in located
        if not any(prefix.startswith(zone) for zone in declared)
    ]
