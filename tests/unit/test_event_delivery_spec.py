"""Event delivery from a vendor in the spec: partner event sources and vendor notifications; bad input
names the field, the value and a fix that is itself valid, and exits 2."""

from __future__ import annotations

import re

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from airlock.spec.events import PARTNER_SOURCE_NAME
from tests.specs import dump, spec_data

SOURCE = "aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE"
QUEUE = "arn:aws:sqs:eu-central-1:900000000011:sf-snowpipe-abc"
ZONE = {"prefixes": ["load/", "unload/"], "notify_buffer": "inbound"}


def _issues(**changes):
    with pytest.raises(SpecError) as caught:
        validate(spec_data(**changes))
    return {(issue.path, issue.message) for issue in caught.value.issues}


def _at(path, **changes):
    messages = [message for where, message in _issues(**changes) if where == path]
    assert messages, f"no issue at {path}: {_issues(**changes)}"
    return " ".join(messages)


def test_a_partner_event_source_and_a_vendor_notification_validate():
    spec = validate(
        spec_data(
            **{
                "integrations.0.event_sources": [
                    {"name": SOURCE, "buffer": "inbound", "event_pattern": {"detail-type": ["Order__e"]}}
                ],
                "integrations.0.drop_zone": {
                    **ZONE,
                    "notify_buffer_prefixes": ["unload/"],
                    "notify_vendor": [{"arn": QUEUE, "prefixes": ["load/"]}],
                },
            }
        )
    )
    integration = spec.integrations[0]
    assert integration.event_sources[0].pattern() == {"source": [SOURCE], "detail-type": ["Order__e"]}
    assert integration.drop_zone is not None and integration.drop_zone.buffer_prefixes == ["unload/"]


@pytest.mark.parametrize(
    "bad",
    [
        "salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE",
        "aws.partner/salesforce.com",
        "aws.partner/salesforce.com/00D RM/0YL#1",
        "aws.partner//salesforce.com/00D/0YL",
        "aws.events/x/y",
    ],
)
def test_a_bad_partner_event_source_name_is_refused_with_a_valid_fix(bad):
    message = _at(
        "integrations[0].event_sources[0].name",
        **{"integrations.0.event_sources": [{"name": bad, "buffer": "inbound"}]},
    )
    assert f"'{bad}' is not a partner event source name" in message
    (fix,) = re.findall(r"e\.g\. '([^']+)'", message)
    assert PARTNER_SOURCE_NAME.match(fix), fix
    validate(spec_data(**{"integrations.0.event_sources": [{"name": fix, "buffer": "inbound"}]}))


def test_the_fix_keeps_what_the_vendor_showed():
    message = _at(
        "integrations[0].event_sources[0].name",
        **{
            "integrations.0.event_sources": [
                {"name": "salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE", "buffer": "inbound"}
            ]
        },
    )
    assert f"e.g. '{SOURCE}'" in message


CASES = {
    "source-typo": (
        {"integrations.0.event_sources": [{"name": SOURCE, "bufer": "inbound"}]},
        "integrations[0].event_sources[0].bufer",
        ["unknown key 'bufer'"],
    ),
    "pattern-typo": (
        {
            "integrations.0.event_sources": [
                {"name": SOURCE, "buffer": "inbound", "event_pattern": {"detail_type": ["X"]}}
            ]
        },
        "integrations[0].event_sources[0].event_pattern",
        ["'detail_type' is not a field of an EventBridge event", "use 'detail-type'"],
    ),
    "pattern-names-source": (
        {"integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound", "event_pattern": {"source": ["x"]}}]},
        "integrations[0].event_sources[0].event_pattern",
        ["leave 'source' out"],
    ),
    "pattern-value-not-a-list": (
        {
            "integrations.0.event_sources": [
                {"name": SOURCE, "buffer": "inbound", "event_pattern": {"detail-type": "X"}}
            ]
        },
        "integrations[0].event_sources[0].event_pattern",
        ["'detail-type' is 'X'", "e.g. ['X']"],
    ),
    "unknown-buffer": (
        {"integrations.0.event_sources": [{"name": SOURCE, "buffer": "orders"}]},
        "integrations[0].event_sources[0].buffer",
        ["'orders' is not a buffer of this integration", "use one of ['inbound']"],
    ),
    "fifo-buffer": (
        {
            "integrations.0.buffers": [{"name": "inbound", "fifo": True}],
            "integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound"}],
        },
        "integrations[0].event_sources[0].buffer",
        ["'inbound' is a FIFO buffer", "add a standard buffer"],
    ),
    "region-elsewhere": (
        {"integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound", "region": "eu-west-1"}]},
        "integrations[0].event_sources[0].region",
        ["'eu-west-1' is not a region of this integration", "use one of ['eu-central-1']"],
    ),
    "region-unnamed-in-two-regions": (
        {
            "integrations.0.regions": ["eu-central-1", "eu-west-1"],
            "integrations.0.network.az_ids": ["euc1-az1", "euc1-az2", "euw1-az1", "euw1-az2"],
            "integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound"}],
        },
        "integrations[0].event_sources[0].region",
        ["a partner event source exists in one of them; name it, e.g. region: eu-central-1"],
    ),
    "source-twice": (
        {
            "integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound"}],
            "integrations.1.buffers": [{"name": "files"}],
            "integrations.1.event_sources": [{"name": SOURCE, "buffer": "files"}],
        },
        "integrations[1].event_sources[0].name",
        ["declared already at integrations[0].event_sources[0]"],
    ),
    "notify-fifo-queue": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": QUEUE + ".fifo", "prefixes": ["load/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].arn",
        ["is a FIFO queue", "S3 event notifications cannot target FIFO", "standard queue"],
    ),
    "notify-fifo-topic": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": "arn:aws:sns:eu-central-1:900000000011:t.fifo", "prefixes": ["load/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].arn",
        ["is a FIFO topic"],
    ),
    "notify-not-an-arn": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": "sf-snowpipe", "prefixes": ["load/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].arn",
        ["'sf-snowpipe' is not an SQS queue or SNS topic ARN"],
    ),
    "notify-another-account": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": "arn:aws:sqs:eu-central-1:999999999999:q", "prefixes": ["load/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].arn",
        ["in account 999999999999, not one of the vendor's accounts ['900000000011']"],
    ),
    "notify-another-region": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": "arn:aws:sqs:us-east-1:900000000011:q", "prefixes": ["load/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].arn",
        ["is in us-east-1, and S3 notifies only queues and topics in the bucket's region"],
    ),
    "notify-overlaps-the-buffer": (
        {"integrations.0.drop_zone": {**ZONE, "notify_vendor": [{"arn": QUEUE, "prefixes": ["load/"]}]}},
        "integrations[0].drop_zone.notify_vendor[0].prefixes[0]",
        ["overlaps 'load/' for buffer 'inbound'", "set drop_zone.notify_buffer_prefixes"],
    ),
    "notify-overlaps-itself": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": QUEUE, "prefixes": ["load/", "load/a/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].prefixes[1]",
        ["'load/a/' for", "overlaps 'load/' for", "list only the outer prefix ('load/')"],
    ),
    "notify-outside-the-zone": (
        {
            "integrations.0.drop_zone": {
                "prefixes": ["load/"],
                "notify_vendor": [{"arn": QUEUE, "prefixes": ["other/"]}],
            }
        },
        "integrations[0].drop_zone.notify_vendor[0].prefixes[0]",
        ["'other/' is not inside the drop zone's prefixes ['load/']"],
    ),
    "buffer-prefixes-without-buffer": (
        {"integrations.0.drop_zone": {"prefixes": ["load/"], "notify_buffer_prefixes": ["load/"]}},
        "integrations[0].drop_zone.notify_buffer_prefixes",
        ["no notify_buffer"],
    ),
    "event-source-flow-without-sources": (
        {
            "integrations.0.data_flows": [
                {
                    "name": "orders",
                    "direction": "inbound",
                    "classification": "internal",
                    "description": "x",
                    "via": "event-source",
                }
            ]
        },
        "integrations[0].data_flows[0].via",
        ["'event-source' but the integration has no event_sources"],
    ),
    "no-vendor-account-but-a-role": (
        {
            "integrations.0.vendor.account_ids": [],
            "integrations.0.access": {
                "external_id": "EXT-0123456789abcdef",
                "principals": ["arn:aws:iam::900000000011:role/v"],
                "grants": [{"send": "inbound"}],
            },
        },
        "integrations[0].vendor.account_ids",
        ["no vendor account is declared, but the integration declares an access block"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_event_delivery_names_path_value_and_fix(case):
    changes, path, fragments = CASES[case]
    message = _at(path, **changes)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("case", ["notify-fifo-queue", "pattern-typo", "unknown-buffer", "notify-another-account"])
def test_bad_event_delivery_exits_2_through_the_cli(tmp_path, capsys, case):
    changes, path, fragments = CASES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**changes)))
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f": {path}: " in err and fragments[0] in err
    assert "Traceback" not in err


def test_an_event_only_vendor_needs_no_account():
    spec = validate(
        spec_data(
            **{
                "integrations.0.vendor.account_ids": [],
                "integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound"}],
            }
        )
    )
    assert spec.integrations[0].vendor.account_ids == []


def test_a_bad_partner_event_source_name_exits_2_with_the_fix(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    bad = "salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE"
    spec.write_text(dump(spec_data(**{"integrations.0.event_sources": [{"name": bad, "buffer": "inbound"}]})))
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert ": integrations[0].event_sources[0].name: " in err
    assert f"'{bad}' is not a partner event source name" in err and f"e.g. '{SOURCE}'" in err
    assert "Traceback" not in err
