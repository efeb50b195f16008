"""The vendor webhooks of an integration stack: one VendorWebhook per declared webhook."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from airlock.constructs import IntegrationBuffer, VendorWebhook
from airlock.spec import Integration
from airlock.spec.webhooks import webhook_api_name


def add_webhooks(
    stack: cdk.Stack, integration: Integration, buffers: dict[str, IntegrationBuffer]
) -> dict[str, VendorWebhook]:
    """A VendorWebhook per ``integration.webhooks`` entry, each with its ``<name>WebhookUrl`` output."""
    if not integration.webhooks:
        return {}
    scope = Construct(stack, "Webhooks")
    out: dict[str, VendorWebhook] = {}
    for webhook in integration.webhooks:
        built = VendorWebhook(
            scope,
            webhook.name,
            queue=buffers[webhook.buffer].queue,
            source_ranges=webhook.source_ranges,
            path=webhook.path,
            required_headers=webhook.required_headers,
            body_schema=webhook.body_schema,
            throttling_rate_limit=webhook.throttle.rate_limit,
            throttling_burst_limit=webhook.throttle.burst_limit,
            api_name=webhook_api_name(integration.name, webhook.name),
            suspended=integration.state == "suspended",
        )
        out[webhook.name] = built
        cdk.CfnOutput(
            stack,
            f"{webhook.name}WebhookUrl",
            value=built.url,
            description=f"Hand this to the vendor: the URL of webhook {webhook.name}, to configure at the vendor "
            "(POST, JSON)",
        )
    return out
