"""Checks across fields and integrations.

They run on whatever parts of the spec validated, so a spec with a bad CIDR in one
integration still reports duplicate names in the others: every error at once.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence

from airlock.spec.access_checks import access_checks
from airlock.spec.buffer_checks import buffer_checks
from airlock.spec.errors import SpecIssue
from airlock.spec.isolation_checks import isolation_checks
from airlock.spec.models import Integration, Organization
from airlock.spec.network import MIN_SUBNET_PREFIX
from airlock.spec.network_checks import network_checks
from airlock.spec.observability import alarm_subscribers
from airlock.spec.organization_checks import organization_checks
from airlock.spec.pipeline_checks import pipeline_checks
from airlock.spec.regions import region_of_az_id
from airlock.spec.register_checks import register_checks

Indexed = Sequence[tuple[int, Integration]]


def cross_checks(
    org: Organization | None,
    integrations: Indexed,
    accounts: Mapping[str, str] | None = None,
    lock_source: str = "the account lock file",
) -> list[SpecIssue]:
    """Every cross-field problem; ``accounts`` are the ids the lock file records for created accounts."""
    issues: list[SpecIssue] = isolation_checks(org, integrations, accounts, lock_source)
    for check in (_unique_names, _unique_accounts, _cidrs_disjoint):
        issues.extend(check(integrations))
    if org is not None:
        issues.extend(pipeline_checks(org, integrations))
    for index, integration in integrations:
        issues.extend(_integration_checks(index, integration))
        issues.extend(register_checks(index, integration))
        issues.extend(network_checks(org, index, integration))
        issues.extend(buffer_checks(("integrations", index), integration))
        if org is not None:
            issues.extend(_against_organization(org, index, integration))
    issues.extend(access_checks(org, integrations))
    if org is not None:
        issues.extend(organization_checks(org, integrations))
    return sorted(issues, key=lambda issue: tuple(str(part) for part in issue.loc))


def _duplicates(values: Iterator[tuple[int, str]]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for index, value in values:
        seen[value].append(index)
    return {value: indexes for value, indexes in seen.items() if len(indexes) > 1}


def _unique_names(integrations: Indexed) -> list[SpecIssue]:
    issues = []
    for name, indexes in _duplicates((i, it.name) for i, it in integrations).items():
        for index in indexes[1:]:
            issues.append(
                SpecIssue(
                    ("integrations", index, "name"),
                    f"'{name}' is already the name of integrations[{indexes[0]}]; give each integration its own name",
                )
            )
    return issues


def _unique_accounts(integrations: Indexed) -> list[SpecIssue]:
    issues = []
    adopted = ((i, it.account.adopt) for i, it in integrations if it.account.adopt)
    for account, indexes in _duplicates(adopted).items():
        for index in indexes[1:]:
            issues.append(
                SpecIssue(
                    ("integrations", index, "account", "adopt"),
                    f"'{account}' is already the account of integrations[{indexes[0]}]; "
                    "each integration needs its own intermediate account",
                )
            )
    for field in ("name", "email"):
        created = ((i, getattr(it.account.create, field)) for i, it in integrations if it.account.create)
        for value, indexes in _duplicates(created).items():
            for index in indexes[1:]:
                issues.append(
                    SpecIssue(
                        ("integrations", index, "account", "create", field),
                        f"'{value}' is already used by integrations[{indexes[0]}]; account {field}s must be unique",
                    )
                )
    return issues


def _cidrs_disjoint(integrations: Indexed) -> list[SpecIssue]:
    """Each CIDR that overlaps an earlier integration's, naming that one; a sweep over the
    CIDRs sorted by address compares only blocks that can overlap (n log n, not n squared)."""
    networks = [(i, it.name, ipaddress.IPv4Network(it.network.cidr)) for i, it in integrations]
    order = sorted(range(len(networks)), key=lambda p: int(networks[p][2].network_address))
    pairs: list[tuple[int, int]] = []
    active: list[int] = []  # positions whose block may still reach the next start
    for position in order:
        start = int(networks[position][2].network_address)
        active = [p for p in active if int(networks[p][2].broadcast_address) >= start]
        pairs.extend((max(position, p), min(position, p)) for p in active)
        active.append(position)
    issues = []
    for position, earlier in sorted(pairs):
        index, _, network = networks[position]
        other_index, other_name, other = networks[earlier]
        issues.append(
            SpecIssue(
                ("integrations", index, "network", "cidr"),
                f"'{network}' overlaps '{other}' of integrations[{other_index}] ({other_name}); "
                "give each integration a CIDR of its own so their networks can never be confused",
            )
        )
    return issues


def _integration_checks(index: int, integration: Integration) -> list[SpecIssue]:
    issues = []
    base: tuple[str | int, ...] = ("integrations", index)
    for position, az_id in enumerate(integration.network.az_ids):
        region = region_of_az_id(az_id)
        if region not in integration.regions:
            issues.append(
                SpecIssue(
                    (*base, "network", "az_ids", position),
                    f"'{az_id}' is an AZ ID of {region}, which is not in this integration's regions "
                    f"{list(integration.regions)}; use AZ IDs of those regions",
                )
            )
    per_region = {
        region: [az for az in integration.network.az_ids if region_of_az_id(az) == region]
        for region in integration.regions
    }
    for region, az_ids in per_region.items():
        if len(az_ids) < 2:
            issues.append(
                SpecIssue(
                    (*base, "network", "az_ids"),
                    f"region {region} has {len(az_ids)} AZ ID(s) {az_ids}; list at least two AZ IDs per region "
                    "so the integration survives the loss of one AZ",
                )
            )
    most = max((len(az_ids) for az_ids in per_region.values()), default=0)
    prefix = integration.network.subnet_prefix(most)
    if most and prefix > MIN_SUBNET_PREFIX:
        tiers = 3 if integration.network.egress is not None else 1
        issues.append(
            SpecIssue(
                (*base, "network", "cidr"),
                f"'{integration.network.cidr}' is too small for {most * tiers} subnets "
                f"(the smallest would be /{prefix}, "
                f"smaller than /{MIN_SUBNET_PREFIX}); use a larger block",
            )
        )
    for name, indexes in _duplicates((i, b.name) for i, b in enumerate(integration.buffers)).items():
        for position in indexes[1:]:
            issues.append(
                SpecIssue(
                    (*base, "buffers", position, "name"),
                    f"'{name}' is already the name of buffers[{indexes[0]}]; give each buffer its own name",
                )
            )
    drop_zone = integration.drop_zone
    buffer_names = [b.name for b in integration.buffers]
    if drop_zone is not None and drop_zone.notify_buffer is not None and drop_zone.notify_buffer not in buffer_names:
        issues.append(
            SpecIssue(
                (*base, "drop_zone", "notify_buffer"),
                f"'{drop_zone.notify_buffer}' is not a buffer of this integration; use one of {buffer_names} "
                "or add a buffer with that name",
            )
        )
    return issues


def _against_organization(org: Organization, index: int, integration: Integration) -> list[SpecIssue]:
    issues = []
    base: tuple[str | int, ...] = ("integrations", index)
    if not alarm_subscribers(integration.observability, org.observability):
        issues.append(
            SpecIssue(
                (*base, "observability", "subscribers"),
                "no subscribers: the integration's alarms (messages waiting too long, dead letters, rejected "
                "traffic) would notify nobody; list the owning team's on-call addresses here, or the platform "
                "team's in organization.observability.default_subscribers for every integration without its own",
            )
        )
    for position, region in enumerate(integration.regions):
        if region not in org.allowed_regions:
            issues.append(
                SpecIssue(
                    (*base, "regions", position),
                    f"'{region}' is not in organization.allowed_regions {list(org.allowed_regions)}; "
                    "add it there or choose an allowed region",
                )
            )
    return issues
