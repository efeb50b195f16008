"""The register's webhooks: each endpoint's allow-list, and the URLs to hand back to the vendor."""

from __future__ import annotations

import re

from airlock.constructs.webhook import DEFAULT_STAGE, MANAGED_RULE_GROUPS
from airlock.register.assembly import StackTemplate
from airlock.register.records import WebhookRecord
from airlock.spec import Integration
from airlock.spec.webhooks import webhook_api_name

#: The stage every webhook API deploys (VendorWebhook's default).
STAGE = DEFAULT_STAGE


def output_name(webhook: str) -> str:
    """The stack output of a webhook's URL: ``<name>WebhookUrl`` as CloudFormation names it (letters and digits)."""
    return re.sub(r"[^A-Za-z0-9]", "", f"{webhook}WebhookUrl")


def webhook_records(integration: Integration) -> list[WebhookRecord]:
    return [
        WebhookRecord(
            name=webhook.name,
            buffer=webhook.buffer,
            api_name=webhook_api_name(integration.name, webhook.name),
            path=webhook.path,
            stage=STAGE,
            source_ranges=list(webhook.source_ranges),
            managed_rule_groups=list(MANAGED_RULE_GROUPS),
            required_headers=list(webhook.required_headers),
            body_schema=webhook.body_schema is not None,
            rate_limit=webhook.throttle.rate_limit,
            burst_limit=webhook.throttle.burst_limit,
            suspended=integration.state == "suspended",
        )
        for webhook in integration.webhooks
    ]


def webhook_urls(integration: Integration, stacks: list[StackTemplate]) -> dict[tuple[str, str], str]:
    """(stack, output) -> the URL of each webhook whose output the stack holds (API Gateway assigns the
    API id on deployment, so the URL is shown with ``{api-id}`` in its place)."""
    out = {}
    for stack in stacks:
        outputs = stack.template.get("Outputs") or {}
        for webhook in integration.webhooks:
            name = output_name(webhook.name)
            if name in outputs:
                out[(stack.name, name)] = (
                    f"https://{{api-id}}.execute-api.{stack.region}.amazonaws.com/{STAGE}/{webhook.path}"
                )
    return out
