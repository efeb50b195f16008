"""Checks across fields and integrations, run together with the structural checks.

The loader validates the spec first field by field (:mod:`airlock.spec.partial`), then runs
every check here on whatever validated: a spec with a bad CIDR in one integration still
reports duplicate names in the others, and a bad field of the organization block does not
hide the checks that need the rest of it. Structural and cross-field errors come in one
report.

Adding a check
--------------
A check is a small function that returns (or yields) :class:`SpecIssue` objects, each at the
field at fault (``("integrations", index, "buffers", position, "retention_seconds")``, not
the block that holds it), with the bad value and a fix that is itself valid. List it in one
tuple, in the module it belongs to:

* an **integration check**, ``check(org, index, integration)``, runs once per integration:
  add it to :data:`INTEGRATION_CHECKS` here, or to the ``INTEGRATION_CHECKS`` tuple of the
  module it belongs to (:mod:`~airlock.spec.network_checks`, :mod:`~airlock.spec.buffer_checks`);
* a **spec check**, ``check(org, integrations)`` with the ``(index, Integration)`` pairs,
  looks across integrations: add it to :data:`SPEC_CHECKS` (a check that also needs the lock
  file's account ids is bound to them in :func:`cross_checks`, as
  :func:`~airlock.spec.isolation_checks.isolation_checks` is).

Read any field the check needs. A field that did not validate raises
:class:`~airlock.spec.partial.Unvalidated`: the runner then skips an integration check for
that integration, runs a spec check again without that integration, and skips the check
when the field is the organization's (its own error is already reported, and a default in
its place would give false follow-on errors). So never catch ``Unvalidated`` in a check and
never read a field with ``getattr(model, name, default)``. ``org`` is the organization block,
whole or partial; it is ``None`` only for callers that validate integrations without one.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from airlock.spec import buffer_checks, endpoint_checks, events_checks, network_checks, webhook_checks
from airlock.spec.access_checks import access_checks
from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.isolation_checks import isolation_checks
from airlock.spec.models import Integration, Organization
from airlock.spec.network import MIN_SUBNET_PREFIX
from airlock.spec.observability import alarm_subscribers
from airlock.spec.organization_checks import home_region_allowed, organization_checks
from airlock.spec.partial import Unvalidated
from airlock.spec.perimeter_checks import perimeter_checks
from airlock.spec.pipeline_checks import pipeline_checks
from airlock.spec.regions import region_of_az_id
from airlock.spec.register_checks import register_checks

Indexed = Sequence[tuple[int, Integration]]
IntegrationCheck = Callable[[Organization | None, int, Integration], Iterable[SpecIssue]]
SpecCheck = Callable[[Organization | None, Indexed], Iterable[SpecIssue]]


def cross_checks(
    org: Organization | None,
    integrations: Indexed,
    accounts: Mapping[str, str] | None = None,
    lock_source: str = "the account lock file",
) -> list[SpecIssue]:
    """Every issue of :data:`SPEC_CHECKS` and :data:`INTEGRATION_CHECKS`, sorted by location.

    ``accounts`` are the ids the lock file records for created accounts (``lock_source``
    names it in messages); the checks that need them get them bound.
    """

    def isolation(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
        return isolation_checks(org, integrations, accounts, lock_source)

    issues: list[SpecIssue] = []
    for spec_check in (isolation, *SPEC_CHECKS):
        issues.extend(_run_spec_check(spec_check, org, integrations))
    for index, integration in integrations:
        for check in INTEGRATION_CHECKS:
            try:
                issues.extend(list(check(org, index, integration)))
            except Unvalidated:
                continue  # the check needs a field whose own error is reported
    return sorted(issues, key=lambda issue: tuple(str(part) for part in issue.loc))


def _run_spec_check(check: SpecCheck, org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    remaining = list(integrations)
    while True:
        try:
            return list(check(org, remaining))
        except Unvalidated as exc:
            index = _integration_of(exc.loc)
            if index is None or index not in {i for i, _ in remaining}:
                return []  # the organization's field: no integration can stand in for it
            remaining = [(i, integration) for i, integration in remaining if i != index]


def _integration_of(loc: Loc) -> int | None:
    if len(loc) >= 2 and loc[0] == "integrations" and isinstance(loc[1], int):
        return loc[1]
    return None


def _duplicates(values: Iterator[tuple[int, str]]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for index, value in values:
        seen[value].append(index)
    return {value: indexes for value, indexes in seen.items() if len(indexes) > 1}


def _unique_names(_org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
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


def _unique_accounts(_org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
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


def _cidrs_disjoint(_org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    """Each CIDR that overlaps an earlier integration's, naming that one; a sweep over the
    CIDRs sorted by address compares only blocks that can overlap (n log n, not n squared)."""
    networks = [(i, it.name, ipaddress.IPv4Network(it.network.cidr)) for i, it in integrations if it.network]
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


def _az_ids_in_regions(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    if integration.network is None:
        return issues
    for position, az_id in enumerate(integration.network.az_ids):
        region = region_of_az_id(az_id)
        if region not in integration.regions:
            issues.append(
                SpecIssue(
                    ("integrations", index, "network", "az_ids", position),
                    f"'{az_id}' is an AZ ID of {region}, which is not in this integration's regions "
                    f"{list(integration.regions)}; use AZ IDs of those regions",
                )
            )
    return issues


def _per_region(integration: Integration) -> dict[str, list[str]]:
    if integration.network is None:
        return {}
    return {
        region: [az for az in integration.network.az_ids if region_of_az_id(az) == region]
        for region in integration.regions
    }


def _two_az_ids_per_region(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    return [
        SpecIssue(
            ("integrations", index, "network", "az_ids"),
            f"region {region} has {len(az_ids)} AZ ID(s) {az_ids}; list at least two AZ IDs per region "
            "so the integration survives the loss of one AZ",
        )
        for region, az_ids in _per_region(integration).items()
        if len(az_ids) < 2
    ]


def _cidr_fits_the_subnets(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    if integration.network is None:
        return []
    most = max((len(az_ids) for az_ids in _per_region(integration).values()), default=0)
    prefix = integration.network.subnet_prefix(most)
    if not most or prefix <= MIN_SUBNET_PREFIX:
        return []
    tiers = 3 if integration.network.egress is not None else 1
    return [
        SpecIssue(
            ("integrations", index, "network", "cidr"),
            f"'{integration.network.cidr}' is too small for {most * tiers} subnets "
            f"(the smallest would be /{prefix}, smaller than /{MIN_SUBNET_PREFIX}); use a larger block",
        )
    ]


def _unique_buffer_names(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    issues = []
    for name, indexes in _duplicates((i, b.name) for i, b in enumerate(integration.buffers)).items():
        for position in indexes[1:]:
            issues.append(
                SpecIssue(
                    ("integrations", index, "buffers", position, "name"),
                    f"'{name}' is already the name of buffers[{indexes[0]}]; give each buffer its own name",
                )
            )
    return issues


def _notify_buffer_exists(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    drop_zone = integration.drop_zone
    if drop_zone is None or drop_zone.notify_buffer is None:
        return []
    buffer_names = [b.name for b in integration.buffers]
    if drop_zone.notify_buffer in buffer_names:
        return []
    return [
        SpecIssue(
            ("integrations", index, "drop_zone", "notify_buffer"),
            f"'{drop_zone.notify_buffer}' is not a buffer of this integration; use one of {buffer_names} "
            "or add a buffer with that name",
        )
    ]


def _regions_allowed(org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    if org is None:
        return []
    return [
        SpecIssue(
            ("integrations", index, "regions", position),
            f"'{region}' is not in organization.allowed_regions {list(org.allowed_regions)}; "
            "add it there or choose an allowed region",
        )
        for position, region in enumerate(integration.regions)
        if region not in org.allowed_regions
    ]


def _alarms_reach_someone(org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    if org is None or alarm_subscribers(integration.observability, org.observability):
        return []
    return [
        SpecIssue(
            ("integrations", index, "observability", "subscribers"),
            "no subscribers: the integration's alarms (messages waiting too long, dead letters, rejected "
            "traffic) would notify nobody; list the owning team's on-call addresses here, or the platform "
            "team's in organization.observability.default_subscribers for every integration without its own",
        )
    ]


def _register(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    return register_checks(index, integration)


def _organization(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    return [] if org is None else organization_checks(org, integrations)


def _pipeline(org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    return [] if org is None else pipeline_checks(org, integrations)


#: Checks across integrations: ``check(org, integrations)``.
SPEC_CHECKS: tuple[SpecCheck, ...] = (
    home_region_allowed,
    _unique_names,
    _unique_accounts,
    _cidrs_disjoint,
    _pipeline,
    access_checks,
    _organization,
    perimeter_checks,
    *events_checks.SPEC_CHECKS,
)

#: Checks of one integration: ``check(org, index, integration)``.
INTEGRATION_CHECKS: tuple[IntegrationCheck, ...] = (
    _az_ids_in_regions,
    _two_az_ids_per_region,
    _cidr_fits_the_subnets,
    _unique_buffer_names,
    _notify_buffer_exists,
    _regions_allowed,
    _alarms_reach_someone,
    _register,
    *network_checks.INTEGRATION_CHECKS,
    *endpoint_checks.INTEGRATION_CHECKS,
    *buffer_checks.INTEGRATION_CHECKS,
    *webhook_checks.INTEGRATION_CHECKS,
    *events_checks.INTEGRATION_CHECKS,
)
