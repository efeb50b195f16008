"""The register of a webhook integration: the allow-list, and the URL to hand back."""

from __future__ import annotations

from datetime import date

from airlock.register import build_register
from airlock.register.assembly import read_assembly
from airlock.register.markdown import integration_page
from airlock.spec import load

GITHUB_HOOKS = ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20"]


def test_the_register_shows_the_allow_list_and_what_to_hand_back(recipe_check):
    checked = recipe_check("github-webhooks")
    register = build_register(
        load(checked.spec), today=date(2026, 9, 1), assembly=read_assembly(checked.assembly.outdir)
    )
    (record,) = register.integrations
    (webhook,) = record.webhooks
    assert webhook.source_ranges == GITHUB_HOOKS
    assert webhook.api_name == "airlock-code-events-github" and webhook.buffer == "deliveries"
    assert webhook.required_headers == ["X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256"]
    assert webhook.body_schema is True and webhook.suspended is False
    (hand_back,) = record.hand_back
    assert hand_back.output == "githubWebhookUrl" and hand_back.stack == "airlock-code-events-eu-central-1"
    assert hand_back.value == "https://{api-id}.execute-api.eu-central-1.amazonaws.com/prod/hooks/github"
    assert record.vendor.account_ids == []
    assert {"AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet"} <= {r.type for r in record.filtering}
    page = integration_page(record)
    assert "## Webhooks" in page and "## What to hand back" in page
    assert ", ".join(GITHUB_HOOKS) in page
    assert "githubWebhookUrl" in page and "no AWS account" in page


def test_a_register_without_webhooks_has_no_webhook_sections(example_spec):
    register = build_register(example_spec, today=date(2026, 9, 1))
    for record in register.integrations:
        assert record.webhooks == [] and record.hand_back == []
        assert "## Webhooks" not in integration_page(record)
