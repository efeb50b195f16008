"""Names of an integration's queues and drop-zone bucket, and the checks that they fit AWS limits.

The stacks name resources with these functions too, so what the spec accepts is exactly
what deploys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Buffer, Integration, Organization

#: SQS allows queue names of at most 80 characters, '.fifo' included.
MAX_QUEUE_NAME = 80
#: S3 allows bucket names of at most 63 characters.
MAX_BUCKET_NAME = 63
DLQ_SUFFIX = "-dlq"
FIFO_SUFFIX = ".fifo"
_ACCOUNT_ID_LENGTH = 12


def queue_base_name(integration: str, buffer: str) -> str:
    """``airlock-<integration>-<buffer>``: the source queue's name before any '.fifo'."""
    return f"airlock-{integration}-{buffer}"


def queue_names(integration: str, buffer: str, *, fifo: bool) -> tuple[str, str]:
    """The physical names of a buffer's source queue and dead-letter queue."""
    base = queue_base_name(integration, buffer)
    suffix = FIFO_SUFFIX if fifo else ""
    return base + suffix, base + DLQ_SUFFIX + suffix


def drop_zone_bucket_name(integration: str, account: str, region: str) -> str:
    """``airlock-<integration>-<account>-<region>``: globally unique and known before deployment."""
    return f"airlock-{integration}-{account}-{region}"


def _base(index: int) -> Loc:
    return ("integrations", index)


def _queue_names_fit(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    """Queue names that would exceed SQS's limit once prefixed."""
    issues = []
    for position, buffer in enumerate(integration.buffers):
        _, dlq = queue_names(integration.name, buffer.name, fifo=buffer.fifo)
        if len(dlq) > MAX_QUEUE_NAME:
            room = len(buffer.name) - (len(dlq) - MAX_QUEUE_NAME)
            issues.append(
                SpecIssue(
                    (*_base(index), "buffers", position, "name"),
                    f"'{buffer.name}' makes the dead-letter queue name '{dlq}' {len(dlq)} characters long, over "
                    f"SQS's {MAX_QUEUE_NAME}; shorten the buffer name to at most {max(room, 0)} characters "
                    "(or the integration name)",
                )
            )
    return issues


def _bucket_names_fit(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    """Drop-zone bucket names that would exceed S3's limit once prefixed."""
    if integration.drop_zone is None:
        return []
    issues = []
    for region in integration.regions:
        name = drop_zone_bucket_name(integration.name, "0" * _ACCOUNT_ID_LENGTH, region)
        if len(name) > MAX_BUCKET_NAME:
            room = len(integration.name) - (len(name) - MAX_BUCKET_NAME)
            issues.append(
                SpecIssue(
                    (*_base(index), "name"),
                    f"'{integration.name}' makes the drop-zone bucket name in {region} {len(name)} characters "
                    f"long, over S3's {MAX_BUCKET_NAME}; shorten the integration name to at most {room} characters",
                )
            )
    return issues


def _notified_buffer(integration: Integration) -> Buffer | None:
    zone = integration.drop_zone
    if zone is None or zone.notify_buffer is None:
        return None
    return next((b for b in integration.buffers if b.name == zone.notify_buffer), None)


def _files_outlive_their_events(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    zone, notified = integration.drop_zone, _notified_buffer(integration)
    if zone is None or notified is None or zone.expire_after_days * 86400 > notified.dlq_retention_seconds:
        return []
    days = -(-notified.dlq_retention_seconds // 86400)
    return [
        SpecIssue(
            (*_base(index), "drop_zone", "expire_after_days"),
            f"{zone.expire_after_days} days is not longer than the dead-letter retention of buffer "
            f"'{notified.name}' ({notified.dlq_retention_seconds} s); a redriven event would name an "
            f"expired file, so keep files at least {days + 1} days",
        )
    ]


def _notified_buffer_is_standard(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    notified = _notified_buffer(integration)
    if notified is None or not notified.fifo:
        return []
    standard = [b.name for b in integration.buffers if not b.fifo]
    fix = f"notify one of the standard buffers {standard}" if standard else "add a standard buffer (fifo: false)"
    return [
        SpecIssue(
            (*_base(index), "drop_zone", "notify_buffer"),
            f"'{notified.name}' is a FIFO buffer, and S3 event notifications cannot target FIFO queues "
            f"(the deployment would fail); {fix} and notify that",
        )
    ]


def _prefixes_disjoint(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    if integration.drop_zone is None:
        return []
    prefixes = integration.drop_zone.prefixes
    issues = []
    for position, prefix in enumerate(prefixes):
        for other in prefixes[:position]:
            if prefix.startswith(other) or other.startswith(prefix):
                issues.append(
                    SpecIssue(
                        (*_base(index), "drop_zone", "prefixes", position),
                        f"'{prefix}' overlaps '{other}'; S3 refuses event notifications with overlapping "
                        "prefixes, so give each writer a prefix that is not inside another",
                    )
                )
    return issues


def _dead_letters_outlive_the_source(
    _org: Organization | None, index: int, integration: Integration
) -> list[SpecIssue]:
    return [
        SpecIssue(
            (*_base(index), "buffers", position, "dlq_retention_seconds"),
            f"dlq_retention_seconds {buffer.dlq_retention_seconds} is not longer than retention_seconds "
            f"{buffer.retention_seconds}; a message moved to the DLQ would expire early, so make the DLQ's longer",
        )
        for position, buffer in enumerate(integration.buffers)
        if buffer.dlq_retention_seconds <= buffer.retention_seconds
    ]


def _visibility_covers_the_consumer(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    issues = []
    for position, buffer in enumerate(integration.buffers):
        visibility, needed = buffer.visibility_timeout_seconds, 6 * buffer.consumer_timeout_seconds
        if visibility is not None and visibility < needed:
            issues.append(
                SpecIssue(
                    (*_base(index), "buffers", position, "visibility_timeout_seconds"),
                    f"visibility_timeout_seconds {visibility} is below 6x consumer_timeout_seconds ({needed}); "
                    f"a slow consumer would see its message twice, so use at least {needed} or leave it out",
                )
            )
    return issues


def _retention_outlasts_the_visibility(
    _org: Organization | None, index: int, integration: Integration
) -> list[SpecIssue]:
    issues = []
    for position, buffer in enumerate(integration.buffers):
        visibility = buffer.visibility_timeout
        if buffer.retention_seconds <= visibility:
            issues.append(
                SpecIssue(
                    (*_base(index), "buffers", position, "retention_seconds"),
                    f"retention_seconds {buffer.retention_seconds} is not longer than the visibility timeout "
                    f"{visibility} s: a message a consumer received and did not delete would expire while in "
                    f"flight and never reach the DLQ; use at least {visibility + 1}",
                )
            )
    return issues


#: The buffers' and drop zone's checks of one integration (run by :func:`airlock.spec.checks.cross_checks`).
INTEGRATION_CHECKS: tuple[Callable[[Organization | None, int, Integration], Iterable[SpecIssue]], ...] = (
    _queue_names_fit,
    _bucket_names_fit,
    _files_outlive_their_events,
    _notified_buffer_is_standard,
    _prefixes_disjoint,
    _dead_letters_outlive_the_source,
    _visibility_covers_the_consumer,
    _retention_outlasts_the_visibility,
)
