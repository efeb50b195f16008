"""Cross-field checks of vendor webhooks: names are unique, each delivers into a standard buffer."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from airlock.spec.errors import SpecIssue
from airlock.spec.models import Integration, Organization


def _unique_webhook_names(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    issues, seen = [], {}
    for position, webhook in enumerate(integration.webhooks):
        if webhook.name in seen:
            issues.append(
                SpecIssue(
                    ("integrations", index, "webhooks", position, "name"),
                    f"'{webhook.name}' is already the name of webhooks[{seen[webhook.name]}]; give each webhook its "
                    "own name (it names the API, the web ACL and the stack output)",
                )
            )
        seen.setdefault(webhook.name, position)
    return issues


def _webhook_buffers(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    buffers = {buffer.name: buffer for buffer in integration.buffers}
    standard = [name for name, buffer in buffers.items() if not buffer.fifo]
    issues = []
    for position, webhook in enumerate(integration.webhooks):
        loc = ("integrations", index, "webhooks", position, "buffer")
        buffer = buffers.get(webhook.buffer)
        if buffer is None:
            fix = f"name one of the integration's buffers {sorted(buffers)}" if buffers else "declare it under buffers"
            issues.append(SpecIssue(loc, f"'{webhook.buffer}' is not a buffer of this integration; {fix}"))
        elif buffer.fifo:
            fix = f"deliver into one of the standard buffers {standard}" if standard else "add a standard buffer"
            issues.append(
                SpecIssue(
                    loc,
                    f"'{webhook.buffer}' is a FIFO buffer; a webhook delivery carries no message group or "
                    "deduplication id that SQS could order or deduplicate by (a vendor's retry is a new request), "
                    f"so {fix} (fifo: false)",
                )
            )
    return issues


def _vendor_accounts_where_needed(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    """Roles and PrivateLink admit the vendor by account: without any, they would admit nobody."""
    if integration.vendor.account_ids:
        return []
    needs = [
        what
        for what, declared in (
            ("an access block", integration.access is not None),
            ("vendor endpoints", integration.network is not None and bool(integration.network.vendor_endpoints)),
            ("exposed APIs", integration.network is not None and bool(integration.network.exposed_apis)),
        )
        if declared
    ]
    if not needs:
        return []
    return [
        SpecIssue(
            ("integrations", index, "vendor", "account_ids"),
            f"no vendor account is declared, but the integration declares {' and '.join(needs)}, which admit the "
            "vendor by its AWS account; list the accounts the vendor operates from, e.g. account_ids: "
            "['123456789012'] (only a vendor that just pushes webhooks or publishes through an EventBridge partner "
            "event source needs none)",
        )
    ]


#: The webhooks' checks of one integration (run by :func:`airlock.spec.checks.cross_checks`).
INTEGRATION_CHECKS: tuple[Callable[[Organization | None, int, Integration], Iterable[SpecIssue]], ...] = (
    _unique_webhook_names,
    _webhook_buffers,
    _vendor_accounts_where_needed,
)
