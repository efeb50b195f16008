"""Accounts a vendor must never touch, checked across the whole spec and the account lock file.

An intermediate account belongs to the organisation: it is never the management account, a
core account, an account a vendor operates from, or the account of another integration. A
vendor is trusted with nothing beyond its own accounts: the bootstrap StackSet's trusted
account would deploy into every account of the OU, and an exposed API's principals reach
into the intermediate VPC over PrivateLink. Created accounts count with the ids the lock
file records for them (``accounts``); without a lock file only adopted accounts are known.

Each issue names the field it is reported at, the other place of the conflict and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from airlock.spec.errors import Loc, SpecIssue, format_path
from airlock.spec.models import Integration, Organization

Indexed = Sequence[tuple[int, Integration]]

_PRINCIPAL_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


@dataclass(frozen=True)
class _Intermediate:
    """One integration's intermediate account and where the spec (or lock file) says so."""

    account: str
    index: int
    name: str
    loc: Loc
    #: Where the id comes from, for messages: the adopt field or the lock file entry.
    source: str

    @property
    def label(self) -> str:
        return f"integrations[{self.index}] ({self.name}) ({self.source})"


def isolation_checks(
    org: Organization | None,
    integrations: Indexed,
    accounts: Mapping[str, str] | None = None,
    lock_source: str = "the account lock file",
) -> list[SpecIssue]:
    """Every conflict between intermediate, core, management and vendor accounts."""
    intermediates = _intermediates(integrations, accounts or {}, lock_source)
    vendors = _vendor_accounts(integrations)
    issues = _unique_created(intermediates)
    for intermediate in intermediates:
        issues.extend(_intermediate_is_the_organisations(org, intermediate, vendors))
    issues.extend(_vendors_are_not_the_organisation(org, integrations))
    if org is not None:
        issues.extend(_bootstrap_trust(org, intermediates, vendors))
    for index, integration in integrations:
        issues.extend(_exposed_api_principals(org, index, integration, intermediates))
        issues.extend(_vendor_resource_accounts(org, index, integration, intermediates))
    return issues


def _intermediates(integrations: Indexed, accounts: Mapping[str, str], lock_source: str) -> list[_Intermediate]:
    found = []
    for index, integration in integrations:
        if integration.account.adopt:
            loc: Loc = ("integrations", index, "account", "adopt")
            found.append(_Intermediate(integration.account.adopt, index, integration.name, loc, format_path(loc)))
        elif integration.name in accounts:
            source = f"accounts.{integration.name} in {lock_source}"
            loc = ("integrations", index, "account", "create")
            found.append(_Intermediate(accounts[integration.name], index, integration.name, loc, source))
    return found


def _vendor_accounts(integrations: Indexed) -> dict[str, list[str]]:
    """Vendor account id -> every place it is declared, as ``integrations[j] (name) (path)``."""
    vendors: dict[str, list[str]] = {}
    for index, integration in integrations:
        for position, account in enumerate(integration.vendor.account_ids):
            path = format_path(("integrations", index, "vendor", "account_ids", position))
            vendors.setdefault(account, []).append(f"integrations[{index}] ({integration.name}) ({path})")
    return vendors


def _unique_created(intermediates: Sequence[_Intermediate]) -> list[SpecIssue]:
    """A created account whose recorded id is another integration's account (adopted ones are
    compared among themselves by :func:`airlock.spec.checks.cross_checks`)."""
    issues = []
    for position, intermediate in enumerate(intermediates):
        if intermediate.loc[-1] != "create":
            continue
        for other in intermediates[:position] + intermediates[position + 1 :]:
            if other.account == intermediate.account and (other.loc[-1] == "adopt" or other.index < intermediate.index):
                issues.append(
                    SpecIssue(
                        intermediate.loc,
                        f"{intermediate.source} records '{intermediate.account}', but '{other.account}' is already "
                        f"the account of {other.label}; each integration needs its own intermediate account: "
                        "delete the lock file entry and run airlock accounts sync (it records the id the "
                        "organization stack created), or correct the other integration's account",
                    )
                )
                break
    return issues


def _intermediate_is_the_organisations(
    org: Organization | None, intermediate: _Intermediate, vendors: Mapping[str, list[str]]
) -> list[SpecIssue]:
    account = intermediate.account
    created = intermediate.loc[-1] == "create"
    recorded = f"{intermediate.source} records '{account}' for this created account; " if created else ""
    fix = (
        "delete the lock file entry and run airlock accounts sync (it records the id the organization stack created)"
        if recorded
        else "adopt a member account of its own, or create one (account: {create: ...})"
    )
    problems = []
    if org is not None and account == org.management_account_id:
        problems.append(
            f"{recorded}'{account}' is the management account (organization.management_account_id); an "
            f"intermediate account must be a member account of its own: {fix}"
        )
    if org is not None and account in org.access.core_account_ids:
        position = org.access.core_account_ids.index(account)
        problems.append(
            f"{recorded}'{account}' is a core account (organization.access.core_account_ids[{position}]); the vendor "
            f"reaches its intermediate account, so it must never be a core account: {fix}"
        )
    for place in vendors.get(account, []):
        problems.append(
            f"{recorded}'{account}' is a vendor account of {place}; an intermediate account belongs to the "
            f"organisation and a vendor must never hold it: {fix}, or correct the vendor's account id"
        )
    return [SpecIssue(intermediate.loc, problem) for problem in problems]


def _vendors_are_not_the_organisation(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    if org is None:
        return []
    return [
        SpecIssue(
            ("integrations", index, "vendor", "account_ids", position),
            f"'{account}' is the organization's management account (organization.management_account_id); "
            "name the vendor's AWS accounts here",
        )
        for index, integration in integrations
        for position, account in enumerate(integration.vendor.account_ids)
        if account == org.management_account_id
    ]


def _bootstrap_trust(
    org: Organization, intermediates: Sequence[_Intermediate], vendors: Mapping[str, list[str]]
) -> list[SpecIssue]:
    trusted = org.bootstrap.trusted_account_id
    if trusted is None:
        return []
    places = [f"a vendor account of {place}" for place in vendors.get(trusted, [])]
    places += [f"the intermediate account of {i.label}" for i in intermediates if i.account == trusted]
    return [
        SpecIssue(
            ("organization", "bootstrap", "trusted_account_id"),
            f"'{trusted}' is {place}; the bootstrap StackSet lets the trusted account deploy into every account "
            "of the OU, so trust the organisation's deployment account (or leave it out: the management account)",
        )
        for place in places
    ]


def _exposed_api_principals(
    org: Organization | None, index: int, integration: Integration, intermediates: Sequence[_Intermediate]
) -> list[SpecIssue]:
    own: dict[str, str] = {}
    if org is not None:
        own[org.management_account_id] = f"the organization's management account {org.management_account_id}"
        for account in org.access.core_account_ids:
            own[account] = f"core account {account} (organization.access.core_account_ids)"
    for intermediate in intermediates:
        own.setdefault(intermediate.account, f"the intermediate account of {intermediate.label}")
    vendors = list(integration.vendor.account_ids)
    issues = []
    for position, api in enumerate(integration.network.exposed_apis if integration.network else ()):
        for slot, principal in enumerate(api.allowed_principals):
            match = _PRINCIPAL_ACCOUNT.match(principal)
            account = match.group(1) if match else ""
            if account in vendors:
                continue
            loc: Loc = ("integrations", index, "network", "exposed_apis", position, "allowed_principals", slot)
            if account in own:
                message = (
                    f"'{principal}' is in {own[account]}; an exposed API admits only the vendor's accounts "
                    f"(vendor.account_ids {vendors}), and the organisation's own accounts reaching the intermediate "
                    "VPC over PrivateLink would bypass the airlock: remove it (core accounts consume through buffers)"
                )
            else:
                message = (
                    f"'{principal}' is in account {account}, which is not one of vendor.account_ids {vendors}; "
                    "add the account there or correct the principal"
                )
            issues.append(SpecIssue(loc, message))
    return issues


def _vendor_resource_accounts(
    org: Organization | None, index: int, integration: Integration, intermediates: Sequence[_Intermediate]
) -> list[SpecIssue]:
    """A vendor resource account is never one of the organisation's own: the management account, a
    core account or an intermediate account (the endpoints reach their own account already)."""
    if integration.network is None:
        return []
    own: dict[str, str] = {}
    if org is not None:
        own[org.management_account_id] = "the organization's management account (organization.management_account_id)"
        for position, account in enumerate(org.access.core_account_ids):
            own.setdefault(account, f"a core account (organization.access.core_account_ids[{position}])")
    for intermediate in intermediates:
        own.setdefault(intermediate.account, f"the intermediate account of {intermediate.label}")
    issues = []
    for position, entry in enumerate(integration.network.vendor_resources):
        if entry.account_id not in own:
            continue
        issues.append(
            SpecIssue(
                ("integrations", index, "network", "vendor_resources", position, "account_id"),
                f"'{entry.account_id}' is {own[entry.account_id]}, not a vendor's; vendor_resources admits a "
                "vendor-owned account to the service endpoints, and opening them to the organisation's other "
                "accounts would let data leave the airlock past its buffers: remove the entry (core accounts "
                "consume through buffers)",
            )
        )
    return issues
