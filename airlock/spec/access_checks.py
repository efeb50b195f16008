"""Cross-field checks of vendor and core access (called from :mod:`airlock.spec.checks`).

External IDs are checked in :mod:`airlock.spec.external_id_checks`, the core roles in
:mod:`airlock.spec.core_access_checks`.
"""

from __future__ import annotations

from collections.abc import Sequence

from airlock.spec.access import OBJECT_GRANTS, role_account
from airlock.spec.core_access_checks import core_access_checks
from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.external_id_checks import external_id_checks
from airlock.spec.models import Integration, Organization
from airlock.spec.prefix_checks import prefix_issues

Indexed = Sequence[tuple[int, Integration]]


def access_checks(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    issues = external_id_checks(org, integrations)
    for index, integration in integrations:
        issues.extend(_grants_name_what_exists(index, integration))
        issues.extend(core_access_checks(org, index, integration))
        if org is not None:
            issues.extend(_principals_are_the_vendors(org, index, integration))
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
        (("whole_accounts", position, "account_id"), entry.account_id, entry.account_id)
        for position, entry in enumerate(access.whole_accounts)
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
        elif grant.kind in OBJECT_GRANTS:
            issues.extend(prefix_issues(integration, [(loc, grant.target)]))
    return issues
