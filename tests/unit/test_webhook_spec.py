"""Bad webhook input: exit 2, the field, the value and a fix that is itself valid."""

from __future__ import annotations

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from tests.specs import dump, spec_data

GITHUB = ["192.30.252.0/22", "140.82.112.0/20"]


def hook(**changes):
    return {"name": "github", "buffer": "inbound", "source_ranges": GITHUB, **changes}


CASES = {
    "no-source-allow-list": (
        {"integrations.0.webhooks": [{"name": "github", "buffer": "inbound"}]},
        "integrations[0].webhooks[0].source_ranges",
        ["required field 'source_ranges' is missing"],
    ),
    "empty-source-allow-list": (
        {"integrations.0.webhooks": [hook(source_ranges=[])]},
        "integrations[0].webhooks[0].source_ranges",
        ["at least 1 item"],
    ),
    "whole-internet": (
        {"integrations.0.webhooks": [hook(source_ranges=["0.0.0.0/0"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["'0.0.0.0/0' admits the whole internet", "'192.30.252.0/22'"],
    ),
    "broader-than-a-vendor-range": (
        {"integrations.0.webhooks": [hook(source_ranges=["128.0.0.0/1"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["broader than any vendor's published range", "/8 or narrower"],
    ),
    "private-range": (
        {"integrations.0.webhooks": [hook(source_ranges=["10.1.0.0/16"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["'10.1.0.0/16' is not a public range"],
    ),
    "documentation-range": (
        {"integrations.0.webhooks": [hook(source_ranges=["203.0.113.0/24"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["is not a public range"],
    ),
    "ipv6-range": (
        {"integrations.0.webhooks": [hook(source_ranges=["2606:50c0::/32"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["IPv6 range", "IPv4 only"],
    ),
    "host-bits": (
        {"integrations.0.webhooks": [hook(source_ranges=["192.30.252.7/22"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["host bits set", "'192.30.252.0/22'"],
    ),
    "not-a-cidr": (
        {"integrations.0.webhooks": [hook(source_ranges=["github.com"])]},
        "integrations[0].webhooks[0].source_ranges[0]",
        ["'github.com' is not a valid CIDR"],
    ),
    "overlapping-ranges": (
        {"integrations.0.webhooks": [hook(source_ranges=["192.30.252.0/22", "192.30.253.0/24"])]},
        "integrations[0].webhooks[0].source_ranges",
        ["'192.30.253.0/24' overlaps '192.30.252.0/22'"],
    ),
    "unknown-buffer": (
        {"integrations.0.webhooks": [hook(buffer="inbond")]},
        "integrations[0].webhooks[0].buffer",
        ["'inbond' is not a buffer of this integration", "['inbound']"],
    ),
    "fifo-buffer": (
        {
            "integrations.0.buffers": [{"name": "inbound"}, {"name": "ordered", "fifo": True}],
            "integrations.0.webhooks": [hook(buffer="ordered")],
        },
        "integrations[0].webhooks[0].buffer",
        ["'ordered' is a FIFO buffer", "standard buffers ['inbound']"],
    ),
    "duplicate-name": (
        {"integrations.0.webhooks": [hook(), hook(path="other")]},
        "integrations[0].webhooks[1].name",
        ["'github' is already the name of webhooks[0]"],
    ),
    "typo": (
        {"integrations.0.webhooks": [hook(source_range=GITHUB)]},
        "integrations[0].webhooks[0].source_range",
        ["unknown key 'source_range'", "did you mean 'source_ranges'"],
    ),
    "bad-path": (
        {"integrations.0.webhooks": [hook(path="/hooks/GitHub/")]},
        "integrations[0].webhooks[0].path",
        ["'/hooks/GitHub/' is not a webhook path", "'hooks/github'"],
    ),
    "bad-header": (
        {"integrations.0.webhooks": [hook(required_headers=["X Hub"])]},
        "integrations[0].webhooks[0].required_headers[0]",
        ["'X Hub' is not an HTTP header name", "'X-Hub-Signature-256'"],
    ),
    "header-twice": (
        {"integrations.0.webhooks": [hook(required_headers=["X-GitHub-Event", "x-github-event"])]},
        "integrations[0].webhooks[0].required_headers",
        ["'x-github-event' is listed twice"],
    ),
    "too-many-headers": (
        {"integrations.0.webhooks": [hook(required_headers=[f"X-H{n}" for n in range(11)])]},
        "integrations[0].webhooks[0].required_headers",
        ["at most 10 items"],
    ),
    "schema-without-type": (
        {"integrations.0.webhooks": [hook(body_schema={"required": ["action"]})]},
        "integrations[0].webhooks[0].body_schema",
        ["names no 'type'", "{type: object"],
    ),
    "schema-not-draft-4": (
        {
            "integrations.0.webhooks": [
                hook(body_schema={"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"})
            ]
        },
        "integrations[0].webhooks[0].body_schema",
        ["is not draft 4", "draft-04"],
    ),
    "throttle-zero": (
        {"integrations.0.webhooks": [hook(throttle={"rate_limit": 0})]},
        "integrations[0].webhooks[0].throttle.rate_limit",
        ["greater than or equal to 1"],
    ),
    "webhook-flow-without-webhooks": (
        {
            "integrations.0.data_flows": [
                {
                    "name": "events",
                    "direction": "inbound",
                    "classification": "internal",
                    "description": "Events",
                    "via": "webhook",
                }
            ]
        },
        "integrations[0].data_flows[0].via",
        ["'webhook' but the integration declares no webhooks"],
    ),
    "outbound-webhook-flow": (
        {
            "integrations.0.webhooks": [hook()],
            "integrations.0.data_flows": [
                {
                    "name": "events",
                    "direction": "outbound",
                    "classification": "internal",
                    "description": "Events",
                    "via": "webhook",
                }
            ],
        },
        "integrations[0].data_flows[0].direction",
        ["only carries deliveries from the vendor", "'inbound'"],
    ),
    "vendor-without-account-but-a-role": (
        {
            "integrations.0.vendor.account_ids": [],
            "integrations.0.access": {
                "principals": ["arn:aws:iam::900000000011:role/sync"],
                "external_id": "nimbus-crm-external-0001",
                "grants": [{"send": "inbound"}],
            },
        },
        "integrations[0].vendor.account_ids",
        ["no vendor account is declared, but the integration declares an access block", "['123456789012']"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_webhooks_name_path_value_and_fix(case):
    changes, path, fragments = CASES[case]
    with pytest.raises(SpecError) as caught:
        validate(spec_data(**changes))
    messages = [issue.message for issue in caught.value.issues if issue.path == path]
    assert messages, f"no issue at {path}; got {[(i.path, i.message) for i in caught.value.issues]}"
    for fragment in fragments:
        assert any(fragment in message for message in messages), (fragment, messages)


@pytest.mark.parametrize("case", ["no-source-allow-list", "whole-internet", "fifo-buffer"])
def test_bad_webhooks_exit_2_through_the_cli_and_write_nothing(tmp_path, capsys, case):
    changes, path, fragments = CASES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**changes)))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f": {path}: " in err and fragments[0] in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_each_suggested_fix_validates():
    # The fixes the messages name: GitHub's own range, a standard buffer, a draft-4 schema.
    spec = validate(
        spec_data(
            **{
                "integrations.0.webhooks": [
                    hook(
                        source_ranges=["192.30.252.0/22"],
                        path="hooks/github",
                        required_headers=["X-Hub-Signature-256"],
                        body_schema={"$schema": "http://json-schema.org/draft-04/schema#", "type": "object"},
                    )
                ]
            }
        )
    )
    (webhook,) = spec.integrations[0].webhooks
    assert webhook.source_ranges == ["192.30.252.0/22"] and webhook.throttle.rate_limit == 10


def test_a_vendor_that_only_pushes_needs_no_aws_account():
    spec = validate(spec_data(**{"integrations.0.vendor.account_ids": [], "integrations.0.webhooks": [hook()]}))
    assert spec.integrations[0].vendor.account_ids == []
