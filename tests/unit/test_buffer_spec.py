"""Bad buffer, drop-zone and observability input: exit 2, the field, the value and the fix."""

from __future__ import annotations

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from airlock.spec.buffer_checks import queue_names
from tests.specs import dump, spec_data

LONG_INTEGRATION = "a" * 32
LONG_BUFFER = "b" * 32

CASES = {
    "max-receive-count-0": (
        {"integrations.0.buffers": [{"name": "inbound", "max_receive_count": 0}]},
        "integrations[0].buffers[0].max_receive_count",
        ["0:", "greater than or equal to 1"],
    ),
    "max-receive-count-1001": (
        {"integrations.0.buffers": [{"name": "inbound", "max_receive_count": 1001}]},
        "integrations[0].buffers[0].max_receive_count",
        ["1001:", "less than or equal to 1000"],
    ),
    "retention-below-60s": (
        {"integrations.0.buffers": [{"name": "inbound", "retention_seconds": 59}]},
        "integrations[0].buffers[0].retention_seconds",
        ["59:", "greater than or equal to 60"],
    ),
    "retention-above-14-days": (
        {"integrations.0.buffers": [{"name": "inbound", "retention_seconds": 1209601}]},
        "integrations[0].buffers[0].retention_seconds",
        ["1209601:", "less than or equal to 1209600"],
    ),
    "dlq-retention-above-14-days": (
        {"integrations.0.buffers": [{"name": "inbound", "dlq_retention_seconds": 1209601}]},
        "integrations[0].buffers[0].dlq_retention_seconds",
        ["1209601:", "less than or equal to 1209600"],
    ),
    "visibility-below-6x": (
        {
            "integrations.0.buffers": [
                {"name": "inbound", "consumer_timeout_seconds": 60, "visibility_timeout_seconds": 300}
            ]
        },
        "integrations[0].buffers[0].visibility_timeout_seconds",
        ["visibility_timeout_seconds 300 is below 6x consumer_timeout_seconds (360)", "use at least 360"],
    ),
    "visibility-above-12h": (
        {"integrations.0.buffers": [{"name": "inbound", "visibility_timeout_seconds": 43201}]},
        "integrations[0].buffers[0].visibility_timeout_seconds",
        ["43201:", "less than or equal to 43200"],
    ),
    "consumer-timeout-needs-over-12h": (
        {"integrations.0.buffers": [{"name": "inbound", "consumer_timeout_seconds": 7201}]},
        "integrations[0].buffers[0].consumer_timeout_seconds",
        ["7201:", "less than or equal to 7200"],
    ),
    "fifo-suffix-in-name": (
        {"integrations.0.buffers": [{"name": "orders.fifo", "fifo": True}]},
        "integrations[0].buffers[0].name",
        ["'orders.fifo' ends in '.fifo'", "('orders')", "set fifo: true"],
    ),
    "fifo-name-too-long": (
        {"integrations.0.name": LONG_INTEGRATION, "integrations.0.buffers": [{"name": LONG_BUFFER, "fifo": True}]},
        "integrations[0].buffers[0].name",
        ["82 characters long, over SQS's 80", f"airlock-{LONG_INTEGRATION}-{LONG_BUFFER}-dlq.fifo", "at most 30"],
    ),
    "dlq-not-longer": (
        {"integrations.0.buffers": [{"name": "inbound", "retention_seconds": 1209600}]},
        "integrations[0].buffers[0].dlq_retention_seconds",
        ["dlq_retention_seconds 1209600 is not longer than retention_seconds 1209600", "make the DLQ's longer"],
    ),
    "dlq-shorter": (
        {"integrations.0.buffers": [{"name": "inbound", "retention_seconds": 3600, "dlq_retention_seconds": 600}]},
        "integrations[0].buffers[0].dlq_retention_seconds",
        ["dlq_retention_seconds 600 is not longer than retention_seconds 3600"],
    ),
    "drop-zone-bucket-name-too-long": (
        {
            "integrations.0.name": "c" * 31,
            "integrations.0.drop_zone": {"prefixes": ["drop/x/"], "notify_buffer": "inbound"},
        },
        "integrations[0].name",
        ["drop-zone bucket name in eu-central-1 65 characters long, over S3's 63", "at most 29 characters"],
    ),
    "drop-zone-overlapping-prefixes": (
        {"integrations.0.drop_zone": {"prefixes": ["drop/", "drop/x/"]}},
        "integrations[0].drop_zone.prefixes[1]",
        ["'drop/x/' overlaps 'drop/'", "not inside another"],
    ),
    "drop-zone-files-expire-before-their-events": (
        {"integrations.0.drop_zone": {"prefixes": ["drop/x/"], "notify_buffer": "inbound", "expire_after_days": 14}},
        "integrations[0].drop_zone.expire_after_days",
        ["14 days is not longer than the dead-letter retention of buffer 'inbound' (1209600 s)", "at least 15 days"],
    ),
    "subscriber-not-an-email": (
        {"integrations.0.observability": {"subscribers": ["oncall"]}},
        "integrations[0].observability.subscribers[0]",
        ["'oncall' is not an email address"],
    ),
    "age-threshold-below-a-minute": (
        {"integrations.0.observability": {"age_of_oldest_message_seconds": 30}},
        "integrations[0].observability.age_of_oldest_message_seconds",
        ["30:", "greater than or equal to 60"],
    ),
    "observability-typo": (
        {"integrations.0.observability": {"subscriber": ["a@example.com"]}},
        "integrations[0].observability.subscriber",
        ["unknown key 'subscriber'", "did you mean 'subscribers'"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_path_value_and_fix(case):
    changes, path, fragments = CASES[case]
    with pytest.raises(SpecError) as caught:
        validate(spec_data(**changes))
    messages = [issue.message for issue in caught.value.issues if issue.path == path]
    assert messages, f"no issue at {path}; got {[(i.path, i.message) for i in caught.value.issues]}"
    for fragment in fragments:
        assert any(fragment in message for message in messages), (fragment, messages)


@pytest.mark.parametrize(
    "case", ["max-receive-count-1001", "retention-below-60s", "visibility-below-6x", "fifo-name-too-long"]
)
def test_bad_buffers_exit_2_through_the_cli(tmp_path, capsys, case):
    changes, path, fragments = CASES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**changes)))
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f": {path}: " in err and fragments[0] in err
    assert "Traceback" not in err


def test_longest_names_that_fit_are_accepted():
    # 8 + 32 + 1 + 30 + 4 + 5 = 80 characters: exactly SQS's limit.
    data = spec_data(
        **{"integrations.0.name": LONG_INTEGRATION, "integrations.0.buffers": [{"name": "b" * 30, "fifo": True}]}
    )
    spec = validate(data)
    _, dead_letters = queue_names(LONG_INTEGRATION, "b" * 30, fifo=True)
    assert len(dead_letters) == 80
    assert spec.integrations[0].buffers[0].visibility_timeout == 180  # 6 x the default 30 s


def test_explicit_visibility_reaches_the_template():
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from airlock.stacks import IntegrationStack

    spec = validate(
        spec_data(
            **{
                "integrations.0.buffers": [
                    {"name": "inbound", "consumer_timeout_seconds": 60, "visibility_timeout_seconds": 900}
                ]
            }
        )
    )
    stack = IntegrationStack(
        cdk.App(),
        "Crm",
        env=cdk.Environment(account="210000000001", region="eu-central-1"),
        organization=spec.organization,
        integration=spec.integrations[0],
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::SQS::Queue", {"QueueName": "airlock-crm-inbound", "VisibilityTimeout": 900}
    )
    assert stack.drop_zone is None
