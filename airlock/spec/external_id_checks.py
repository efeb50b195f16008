"""Checks of the external IDs vendor roles require (called from :mod:`airlock.spec.access_checks`).

Every vendor role requires an external ID: its own (``access.external_id``, unique across the
spec) or the one declared once for its vendor (``organization.vendors``), which no other place
may repeat. An ID is at least ``organization.access.external_id_min_length`` characters long,
or the integration's own ``access.external_id_min_length``. Messages never repeat an ID.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from airlock.spec.access import DEFAULT_EXTERNAL_ID_MIN_LENGTH
from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration, Organization
from airlock.spec.vendors import external_id_policy, shared_vendor

Indexed = Sequence[tuple[int, Integration]]


def external_id_checks(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    issues = _own_ids_unique(org, integrations)
    if org is not None:
        issues += _shared_vendors(org, integrations)
    for index, integration in integrations:
        if integration.access is None:
            continue
        if org is not None:
            issues += _declared(org, index, integration)
        issues += _length(org, index, integration)
    return issues


def _own_ids_unique(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    shared = {vendor.external_id: position for position, vendor in enumerate(org.vendors)} if org else {}
    first: dict[str, int] = {}
    issues = []
    for index, integration in integrations:
        access = integration.access
        if access is None or access.external_id is None:
            continue
        where: Loc = ("integrations", index, "access", "external_id")
        value = access.external_id
        if value in shared:
            vendor = org.vendors[shared[value]] if org else None
            own = vendor is not None and vendor.name == integration.vendor.name
            message = (
                f"the external ID is already declared once for vendor '{integration.vendor.name}' in "
                f"organization.vendors[{shared[value]}]; remove it here, the role requires that one"
                if own
                else f"the external ID belongs to vendor '{vendor.name if vendor else '?'}' "
                f"(organization.vendors[{shared[value]}]); ask this vendor for the ID it issued for this integration"
            )
            issues.append(SpecIssue(where, message))
        elif value in first:
            issues.append(
                SpecIssue(
                    where,
                    f"the external ID is already used by integrations[{first[value]}]; a vendor issues one ID per "
                    "customer relationship, so ask this vendor for the ID it issued for this integration (or, if "
                    "it uses one ID for all your integrations with it, declare it once in organization.vendors)",
                )
            )
        else:
            first[value] = index
    return issues


def _shared_vendors(org: Organization, integrations: Indexed) -> list[SpecIssue]:
    names = {integration.vendor.name for _, integration in integrations}
    issues = []
    seen_names: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for position, vendor in enumerate(org.vendors):
        at: Loc = ("organization", "vendors", position)
        if vendor.name in seen_names:
            issues.append(SpecIssue((*at, "name"), f"'{vendor.name}' is listed twice; list each vendor once"))
        elif vendor.name not in names:
            close = difflib.get_close_matches(vendor.name, sorted(names), n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"the integrations' vendors are {sorted(names)}"
            issues.append(SpecIssue((*at, "name"), f"no integration has vendor.name '{vendor.name}'; {hint}"))
        if vendor.external_id in seen_ids:
            issues.append(
                SpecIssue(
                    (*at, "external_id"),
                    f"the external ID is already the ID of organization.vendors[{seen_ids[vendor.external_id]}]; "
                    "each vendor issues its own",
                )
            )
        seen_names.setdefault(vendor.name, position)
        seen_ids.setdefault(vendor.external_id, position)
    return issues


def _declared(org: Organization, index: int, integration: Integration) -> list[SpecIssue]:
    access = integration.access
    assert access is not None
    at: Loc = ("integrations", index, "access")
    found = shared_vendor(org, integration)
    if access.external_id is None and found is None:
        whole = (
            " The role trusts whole accounts (whole_accounts): without the ID, every customer of the vendor "
            "could be given this role."
            if access.whole_accounts
            else ""
        )
        close = difflib.get_close_matches(integration.vendor.name, [v.name for v in org.vendors], n=1)
        shared = f" (organization.vendors has '{close[0]}': is vendor.name misspelt?)" if close else ""
        return [
            SpecIssue(
                (*at, "external_id"),
                f"no external ID: the vendor role requires one on every AssumeRole.{whole} Write the ID the vendor "
                f"issued for you in access.external_id, or declare it once for vendor '{integration.vendor.name}' "
                f"in organization.vendors{shared}",
            )
        ]
    if access.external_id is None and access.external_id_issued_by is not None and found is not None:
        return [
            SpecIssue(
                (*at, "external_id_issued_by"),
                f"the ID is organization.vendors[{found[0]}]'s; say who issued it there "
                "(external_id_issued_by beside the ID) and remove it here",
            )
        ]
    return []


def _length(org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    policy = external_id_policy(org, integration)
    if policy.value is None or len(policy.value) >= policy.min_length:
        return []
    access = integration.access
    assert access is not None
    own = access.external_id_min_length is not None
    setting = (
        " (access.external_id_min_length)"
        if own
        else ""
        if policy.min_length == DEFAULT_EXTERNAL_ID_MIN_LENGTH
        else " (organization.access.external_id_min_length)"
    )
    where: Loc = ("integrations", index, "access", "external_id")
    source = ""
    if policy.declared_in != "access":
        where, source = ("integrations", index, "access"), f" of {policy.declared_in}"
    lower = (
        ""
        if own
        else f", or, if all of this vendor's IDs are {len(policy.value)} characters, set "
        f"access.external_id_min_length: {len(policy.value)} for this integration"
    )
    return [
        SpecIssue(
            where,
            f"the external ID{source} has {len(policy.value)} characters, fewer than the "
            f"{policy.min_length} this project requires{setting}; ask the vendor for a longer, unguessable ID "
            f"(e.g. a UUID){lower}",
        )
    ]
