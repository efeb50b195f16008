"""Names of an integration's queues and drop-zone bucket, and the checks that they fit AWS limits.

The stacks name resources with these functions too, so what the spec accepts is exactly
what deploys.
"""

from __future__ import annotations

from airlock.spec.errors import SpecIssue
from airlock.spec.models import Integration

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


def buffer_checks(base: tuple[str | int, ...], integration: Integration) -> list[SpecIssue]:
    """Queue and bucket names that would exceed AWS's limits once prefixed."""
    issues = []
    for position, buffer in enumerate(integration.buffers):
        _, dlq = queue_names(integration.name, buffer.name, fifo=buffer.fifo)
        if len(dlq) > MAX_QUEUE_NAME:
            room = len(buffer.name) - (len(dlq) - MAX_QUEUE_NAME)
            issues.append(
                SpecIssue(
                    (*base, "buffers", position, "name"),
                    f"'{buffer.name}' makes the dead-letter queue name '{dlq}' {len(dlq)} characters long, over "
                    f"SQS's {MAX_QUEUE_NAME}; shorten the buffer name to at most {max(room, 0)} characters "
                    "(or the integration name)",
                )
            )
    if integration.drop_zone is not None:
        for region in integration.regions:
            name = drop_zone_bucket_name(integration.name, "0" * _ACCOUNT_ID_LENGTH, region)
            if len(name) > MAX_BUCKET_NAME:
                room = len(integration.name) - (len(name) - MAX_BUCKET_NAME)
                issues.append(
                    SpecIssue(
                        (*base, "name"),
                        f"'{integration.name}' makes the drop-zone bucket name in {region} {len(name)} characters "
                        f"long, over S3's {MAX_BUCKET_NAME}; shorten the integration name to at most {room} "
                        "characters",
                    )
                )
        zone = integration.drop_zone
        notified = next((b for b in integration.buffers if b.name == zone.notify_buffer), None)
        if notified is not None and zone.expire_after_days * 86400 <= notified.dlq_retention_seconds:
            days = -(-notified.dlq_retention_seconds // 86400)
            issues.append(
                SpecIssue(
                    (*base, "drop_zone", "expire_after_days"),
                    f"{zone.expire_after_days} days is not longer than the dead-letter retention of buffer "
                    f"'{notified.name}' ({notified.dlq_retention_seconds} s); a redriven event would name an "
                    f"expired file, so keep files at least {days + 1} days",
                )
            )
        prefixes = zone.prefixes
        for position, prefix in enumerate(prefixes):
            for other in prefixes[:position]:
                if prefix.startswith(other) or other.startswith(prefix):
                    issues.append(
                        SpecIssue(
                            (*base, "drop_zone", "prefixes", position),
                            f"'{prefix}' overlaps '{other}'; S3 refuses event notifications with overlapping "
                            "prefixes, so give each writer a prefix that is not inside another",
                        )
                    )
    return issues
