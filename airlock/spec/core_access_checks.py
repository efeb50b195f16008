"""Cross-field checks of the core consumers and producers (called from :mod:`airlock.spec.access_checks`)."""

from __future__ import annotations

from collections.abc import Sequence

from airlock.spec.access import role_account
from airlock.spec.core_access import CoreConsumer, CoreProducer
from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration, Organization
from airlock.spec.prefix_checks import prefix_issues

CoreRole = CoreConsumer | CoreProducer


def core_access_checks(org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    for field, entries in (
        ("core_consumers", integration.core_consumers),
        ("core_producers", integration.core_producers),
    ):
        issues += _entries(index, integration, field, entries)
        if org is not None:
            issues += _roles_are_core(org, index, field, entries)
    if org is not None and org.organization_id is None:
        for field in ("core_consumers", "core_producers"):
            if getattr(integration, field):
                issues.append(
                    SpecIssue(
                        ("integrations", index, field),
                        "core roles are admitted with aws:PrincipalOrgID, but organization.organization_id is "
                        "not set; add the organization id (o-...)",
                    )
                )
    return issues


def _entries(index: int, integration: Integration, field: str, entries: Sequence[CoreRole]) -> list[SpecIssue]:
    buffers = [buffer.name for buffer in integration.buffers]
    issues = []
    seen: set[str] = set()
    for position, entry in enumerate(entries):
        at: Loc = ("integrations", index, field, position)
        if entry.role in seen:
            issues.append(
                SpecIssue((*at, "role"), f"'{entry.role}' is listed twice; list each role once with all it may do")
            )
        seen.add(entry.role)
        for slot, name in enumerate(entry.buffers):
            if name not in buffers:
                issues.append(
                    SpecIssue(
                        (*at, "buffers", slot), f"'{name}' is not a buffer of this integration; use one of {buffers}"
                    )
                )
        located: list[tuple[Loc, str]] = []
        for key in ("read_objects", "delete_objects", "put_objects"):
            for slot, prefix in enumerate(getattr(entry, key, None) or []):
                located.append(((*at, key, slot), prefix))
        issues += prefix_issues(integration, located)
    return issues


def _roles_are_core(org: Organization, index: int, field: str, entries: Sequence[CoreRole]) -> list[SpecIssue]:
    core = org.access.core_account_ids
    issues = []
    for position, entry in enumerate(entries):
        account = role_account(entry.role)
        if account not in core:
            issues.append(
                SpecIssue(
                    ("integrations", index, field, position, "role"),
                    f"'{entry.role}' is in account {account}, which is not one of "
                    f"organization.access.core_account_ids {list(core)}; add the core account there "
                    "or correct the role",
                )
            )
    return issues
