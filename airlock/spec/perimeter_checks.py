"""Cross-field checks of the data perimeter (called from :mod:`airlock.spec.checks`)."""

from __future__ import annotations

from collections.abc import Sequence

from airlock.spec.errors import SpecIssue
from airlock.spec.models import Integration, Organization

Indexed = Sequence[tuple[int, Integration]]


def perimeter_checks(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    """The RCPs need the organization id; a trusted account is neither the vendor's nor the organisation's."""
    if org is None:
        return []
    issues: list[SpecIssue] = []
    enabled = org.perimeter.resource_control_policies
    if enabled and org.organization_id is None:
        issues.append(
            SpecIssue(
                ("organization", "organization_id"),
                "missing, but the resource control policies admit the organisation's principals by it; give the "
                "organization id (o-...), or set organization.perimeter.resource_control_policies: false with "
                "an opt_out reason",
            )
        )
    own = {org.management_account_id, *org.access.core_account_ids}
    for index, integration in integrations:
        for position, entry in enumerate(integration.perimeter.trusted_accounts):
            loc = ("integrations", index, "perimeter", "trusted_accounts", position, "account_id")
            if entry.account_id in integration.vendor.account_ids:
                issues.append(
                    SpecIssue(
                        loc,
                        f"'{entry.account_id}' is one of vendor.account_ids, which the perimeter admits already; "
                        "remove this entry",
                    )
                )
            elif entry.account_id in own:
                issues.append(
                    SpecIssue(
                        loc,
                        f"'{entry.account_id}' is an account of the organisation, which the perimeter admits "
                        "already; remove this entry",
                    )
                )
        perimeter = integration.perimeter
        if not enabled and (perimeter.trusted_accounts or perimeter.excluded_resources):
            issues.append(
                SpecIssue(
                    ("integrations", index, "perimeter"),
                    "declares exceptions, but organization.perimeter.resource_control_policies is false, so there "
                    "is no perimeter to except from; remove the exceptions or turn the RCPs on",
                )
            )
    return issues
