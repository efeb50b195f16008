"""Cross-field checks of event delivery: partner event sources and the drop zone's vendor notifications.

A partner event source's buffer must exist and be a standard queue, its region must be one of
the integration's, and no two declarations may claim one source. A vendor notification must
name a queue or topic of the vendor's declared accounts in a region of the integration (S3
notifies only destinations in the bucket's region), for prefixes of the drop zone; no two
notifications of the bucket may cover overlapping prefixes (S3 refuses the configuration).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration, Organization

Indexed = Sequence[tuple[int, Integration]]


def _base(index: int) -> Loc:
    return ("integrations", index)


def event_rule_name(buffer: str) -> str:
    """``airlock-to-<buffer>``: the rule on a partner event bus (one bus per source, so unique on it)."""
    return f"airlock-to-{buffer}"


def source_region(integration: Integration, position: int) -> str | None:
    """The region of ``event_sources[position]``: as declared, else the integration's only region."""
    source = integration.event_sources[position]
    if source.region is not None:
        return source.region
    return integration.regions[0] if len(integration.regions) == 1 else None


def _source_buffers(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    buffers = {b.name: b for b in integration.buffers}
    standard = [b.name for b in integration.buffers if not b.fifo]
    issues = []
    for position, source in enumerate(integration.event_sources):
        loc = (*_base(index), "event_sources", position, "buffer")
        buffer = buffers.get(source.buffer)
        if buffer is None:
            fix = f"use one of {sorted(buffers)}" if buffers else f"add a buffer named '{source.buffer}' to buffers"
            issues.append(SpecIssue(loc, f"'{source.buffer}' is not a buffer of this integration; {fix}"))
        elif buffer.fifo:
            fix = f"deliver to one of the standard buffers {standard}" if standard else "add a standard buffer"
            issues.append(
                SpecIssue(
                    loc,
                    f"'{source.buffer}' is a FIFO buffer; airlock delivers partner events to standard buffers only "
                    f"(a FIFO target needs a message group id per event), so {fix}",
                )
            )
    return issues


def _source_regions(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    issues = []
    for position, source in enumerate(integration.event_sources):
        if source.region is None and len(integration.regions) > 1:
            issues.append(
                SpecIssue(
                    (*_base(index), "event_sources", position, "region"),
                    f"the integration has regions {list(integration.regions)}, and a partner event source exists in "
                    f"one of them; name it, e.g. region: {integration.regions[0]}",
                )
            )
        elif source.region is not None and source.region not in integration.regions:
            issues.append(
                SpecIssue(
                    (*_base(index), "event_sources", position, "region"),
                    f"'{source.region}' is not a region of this integration; the partner event bus is made in the "
                    f"source's region, so use one of {list(integration.regions)} or add it to regions",
                )
            )
    return issues


def _sources_unique(_org: Organization | None, integrations: Indexed) -> list[SpecIssue]:
    """A partner event source is associated with one event bus: no two entries may claim it."""
    seen: dict[str, str] = {}
    issues = []
    for index, integration in integrations:
        for position, source in enumerate(integration.event_sources):
            where = f"integrations[{index}].event_sources[{position}]"
            if source.name in seen:
                issues.append(
                    SpecIssue(
                        (*_base(index), "event_sources", position, "name"),
                        f"'{source.name}' is declared already at {seen[source.name]}; a partner event source "
                        "feeds one event bus, so declare it once (and route its events to one buffer)",
                    )
                )
            else:
                seen[source.name] = where
    return issues


def _notification_targets(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    zone = integration.drop_zone
    if zone is None:
        return []
    issues = []
    accounts = list(integration.vendor.account_ids)
    seen: set[str] = set()
    for position, target in enumerate(zone.notify_vendor):
        loc = (*_base(index), "drop_zone", "notify_vendor", position, "arn")
        if target.account not in accounts:
            issues.append(
                SpecIssue(
                    loc,
                    f"'{target.arn}' is in account {target.account}, not one of the vendor's accounts {accounts}; "
                    "drop-zone events go only to the vendor's own queues and topics: ask the vendor for its ARN, "
                    "or add its account to vendor.account_ids if the vendor documents it",
                )
            )
        if target.region not in integration.regions:
            issues.append(
                SpecIssue(
                    loc,
                    f"'{target.arn}' is in {target.region}, and S3 notifies only queues and topics in the bucket's "
                    f"region; the drop zone is in {list(integration.regions)}: ask the vendor for a queue there",
                )
            )
        if target.arn in seen:
            issues.append(SpecIssue(loc, f"'{target.arn}' is listed twice; list each destination once"))
        seen.add(target.arn)
    return issues


def _inside(prefix: str, prefixes: Iterable[str]) -> bool:
    return any(prefix.startswith(p) for p in prefixes)


def _notified_prefixes(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    """Notified prefixes lie in the drop zone, and no two notifications (in one region) overlap."""
    zone = integration.drop_zone
    if zone is None:
        return []
    issues = []
    base = (*_base(index), "drop_zone")
    declared: list[tuple[Loc, str, str, str | None]] = []
    if zone.notify_buffer_prefixes is not None:
        if zone.notify_buffer is None:
            issues.append(
                SpecIssue(
                    (*base, "notify_buffer_prefixes"),
                    "notify_buffer_prefixes is set but no notify_buffer; name the buffer in notify_buffer or "
                    "leave notify_buffer_prefixes out",
                )
            )
        for position, prefix in enumerate(zone.notify_buffer_prefixes):
            declared.append(
                ((*base, "notify_buffer_prefixes", position), prefix, f"buffer '{zone.notify_buffer}'", None)
            )
    elif zone.notify_buffer is not None:
        for prefix in zone.prefixes:
            declared.append(((*base, "notify_buffer"), prefix, f"buffer '{zone.notify_buffer}'", None))
    for target_position, target in enumerate(zone.notify_vendor):
        for position, prefix in enumerate(target.prefixes):
            declared.append(
                ((*base, "notify_vendor", target_position, "prefixes", position), prefix, target.arn, target.region)
            )
    for number, (loc, prefix, what, region) in enumerate(declared):
        if not _inside(prefix, zone.prefixes):
            issues.append(
                SpecIssue(
                    loc,
                    f"'{prefix}' is not inside the drop zone's prefixes {list(zone.prefixes)}; notify a prefix "
                    "the drop zone has (or one under it)",
                )
            )
            continue
        for other_loc, other, other_what, other_region in declared[:number]:
            if region is not None and other_region is not None and region != other_region:
                continue  # different buckets (one per region)
            if prefix.startswith(other) or other.startswith(prefix):
                if other_loc[-1] == "notify_buffer":
                    fix = (
                        "set drop_zone.notify_buffer_prefixes to the prefixes the buffer should hear of, without "
                        f"'{prefix}'"
                    )
                elif what == other_what:
                    fix = f"list only the outer prefix ('{min(prefix, other, key=len)}')"
                else:
                    fix = "notify each prefix to one destination"
                issues.append(
                    SpecIssue(
                        loc,
                        f"'{prefix}' for {what} overlaps '{other}' for {other_what}; S3 refuses event notifications "
                        f"with overlapping prefixes for one event type, so {fix}",
                    )
                )
    return issues


#: Checks of one integration (run by :func:`airlock.spec.checks.cross_checks`).
INTEGRATION_CHECKS: tuple[Callable[[Organization | None, int, Integration], Iterable[SpecIssue]], ...] = (
    _source_buffers,
    _source_regions,
    _notification_targets,
    _notified_prefixes,
)
#: Checks across integrations.
SPEC_CHECKS: tuple[Callable[[Organization | None, Indexed], Iterable[SpecIssue]], ...] = (_sources_unique,)
