"""Cross-field checks of vendor and core-consumer access (called from :mod:`airlock.spec.checks`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from airlock.spec.access import DEFAULT_EXTERNAL_ID_MIN_LENGTH, role_account
from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration, Organization

Indexed = Sequence[tuple[int, Integration]]


def access_checks(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    issues = _external_ids_unique(integrations)
    for index, integration in integrations:
        issues.extend(_grants_name_what_exists(index, integration))
        issues.extend(_core_consumer_buffers(index, integration))
        if org is not None:
            issues.extend(_external_id_length(org, index, integration))
            issues.extend(_principals_are_the_vendors(org, index, integration))
            issues.extend(_core_consumers_are_core(org, index, integration))
            issues.extend(_vendor_is_not_core(org, index, integration))
    return issues


def _vendor_is_not_core(org: Organization, index: int, integration: Integration) -> list[SpecIssue]:
    return [
        SpecIssue(
            ("integrations", index, "vendor", "account_ids", position),
            f"'{account}' is a core account (organization.access.core_account_ids); "
            "name the vendor's AWS accounts here",
        )
        for position, account in enumerate(integration.vendor.account_ids)
        if account in org.access.core_account_ids
    ]


def _external_ids_unique(integrations: Indexed) -> list[SpecIssue]:
    first: dict[str, int] = {}
    issues = []
    for index, integration in integrations:
        if integration.access is None:
            continue
        external_id = integration.access.external_id
        if external_id in first:
            issues.append(
                SpecIssue(
                    ("integrations", index, "access", "external_id"),
                    f"the external ID is already used by integrations[{first[external_id]}]; a vendor issues one "
                    "ID per customer relationship, so ask this vendor for the ID it issued for this integration",
                )
            )
        else:
            first[external_id] = index
    return issues


def _external_id_length(org: Organization, index: int, integration: Integration) -> list[SpecIssue]:
    access = integration.access
    minimum = org.access.external_id_min_length
    if access is None or len(access.external_id) >= minimum:
        return []
    setting = "" if minimum == DEFAULT_EXTERNAL_ID_MIN_LENGTH else " (organization.access.external_id_min_length)"
    return [
        SpecIssue(
            ("integrations", index, "access", "external_id"),
            f"the external ID has {len(access.external_id)} characters, fewer than the {minimum} this project "
            f"requires{setting}; ask the vendor for a longer, unguessable ID (e.g. a UUID)",
        )
    ]


def _own_accounts(org: Organization, integration: Integration) -> dict[str, str]:
    own = {org.management_account_id: f"the organization's management account {org.management_account_id}"}
    for account in org.access.core_account_ids:
        own[account] = f"core account {account} (organization.access.core_account_ids)"
    if integration.account.adopt:
        own[integration.account.adopt] = f"this integration's own intermediate account {integration.account.adopt}"
    return own


def _principals_are_the_vendors(org: Organization, index: int, integration: Integration) -> list[SpecIssue]:
    access = integration.access
    if access is None:
        return []
    own = _own_accounts(org, integration)
    issues = []
    entries: list[tuple[Loc, str, str]] = [
        (("principals", position), arn, role_account(arn)) for position, arn in enumerate(access.principals)
    ]
    entries += [
        (("trust_accounts", position), account, account) for position, account in enumerate(access.trust_accounts)
    ]
    for loc, shown, account in entries:
        where: Loc = ("integrations", index, "access", *loc)
        if account in own:
            issues.append(
                SpecIssue(
                    where,
                    f"'{shown}' is in {own[account]}; the vendor role trusts only the vendor's "
                    "principals, never the organisation's own accounts",
                )
            )
        elif account not in integration.vendor.account_ids:
            issues.append(
                SpecIssue(
                    where,
                    f"'{shown}' is in account {account}, which is not one of vendor.account_ids "
                    f"{list(integration.vendor.account_ids)}; add the account there or correct the principal",
                )
            )
    return issues


def _grants_name_what_exists(index: int, integration: Integration) -> list[SpecIssue]:
    access = integration.access
    if access is None:
        return []
    buffers = [buffer.name for buffer in integration.buffers]
    prefixes = list(integration.drop_zone.prefixes) if integration.drop_zone else []
    issues = []
    seen: dict[tuple[str, str], int] = {}
    for position, grant in enumerate(access.grants):
        loc: Loc = ("integrations", index, "access", "grants", position, grant.kind)
        if (grant.kind, grant.target) in seen:
            issues.append(
                SpecIssue(loc, f"the same grant as grants[{seen[grant.kind, grant.target]}]; list each grant once")
            )
            continue
        seen[grant.kind, grant.target] = position
        if grant.kind in ("send", "consume") and grant.target not in buffers:
            issues.append(
                SpecIssue(
                    loc,
                    f"'{grant.target}' is not a buffer of this integration; use one of {buffers} "
                    "or add a buffer with that name",
                )
            )
        elif grant.kind == "put_objects" and not any(grant.target.startswith(prefix) for prefix in prefixes):
            fix = (
                f"use one of the drop-zone prefixes {prefixes} (or a prefix under one)"
                if prefixes
                else "declare a drop_zone with this prefix"
            )
            issues.append(
                SpecIssue(loc, f"'{grant.target}' is not under a drop-zone prefix of this integration; {fix}")
            )
    return issues


def _core_consumer_buffers(index: int, integration: Integration) -> list[SpecIssue]:
    buffers = [buffer.name for buffer in integration.buffers]
    issues = []
    seen: dict[str, int] = defaultdict(int)
    for position, consumer in enumerate(integration.core_consumers):
        seen[consumer.role] += 1
        if seen[consumer.role] > 1:
            issues.append(
                SpecIssue(
                    ("integrations", index, "core_consumers", position, "role"),
                    f"'{consumer.role}' is listed twice; list each role once with all its buffers",
                )
            )
        for slot, name in enumerate(consumer.buffers):
            if name not in buffers:
                issues.append(
                    SpecIssue(
                        ("integrations", index, "core_consumers", position, "buffers", slot),
                        f"'{name}' is not a buffer of this integration; use one of {buffers}",
                    )
                )
    return issues


def _core_consumers_are_core(org: Organization, index: int, integration: Integration) -> list[SpecIssue]:
    if not integration.core_consumers:
        return []
    issues = []
    if org.organization_id is None:
        issues.append(
            SpecIssue(
                ("integrations", index, "core_consumers"),
                "core consumers are admitted with aws:PrincipalOrgID, but organization.organization_id is "
                "not set; add the organization id (o-...)",
            )
        )
    core = org.access.core_account_ids
    for position, consumer in enumerate(integration.core_consumers):
        account = role_account(consumer.role)
        if account not in core:
            issues.append(
                SpecIssue(
                    ("integrations", index, "core_consumers", position, "role"),
                    f"'{consumer.role}' is in account {account}, which is not one of "
                    f"organization.access.core_account_ids {list(core)}; add the core account there "
                    "or correct the role",
                )
            )
    return issues
