"""IntegrationBuffer: DLQ, CMK, TLS-only, redrive and visibility without being asked."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from airlock.constructs import IntegrationBuffer


def build(bare_stack, **props):
    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Buffer", **props)
    return buffer, Template.from_stack(stack)


def queues(template):
    found = template.find_resources("AWS::SQS::Queue")
    by_name = {q["Properties"]["QueueName"]: q["Properties"] for q in found.values()}
    assert len(by_name) == 2
    return by_name


@pytest.fixture(scope="module")
def standard():
    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    IntegrationBuffer(stack, "Buffer", queue_name="orders", consumer_timeout=cdk.Duration.seconds(45))
    return Template.from_stack(stack)


def test_source_redrives_to_its_dlq(standard):
    found = queues(standard)
    source, dlq = found["orders"], found["orders-dlq"]
    assert source["RedrivePolicy"]["maxReceiveCount"] == 5
    assert "Fn::GetAtt" in source["RedrivePolicy"]["deadLetterTargetArn"]
    assert dlq["RedriveAllowPolicy"]["redrivePermission"] == "byQueue"
    (source_arn,) = dlq["RedriveAllowPolicy"]["sourceQueueArns"]
    assert json.dumps(source_arn).endswith(':sqs:eu-central-1:123456789012:orders"]]}')


def test_visibility_is_six_times_consumer_timeout_and_polling_is_long(standard):
    source = queues(standard)["orders"]
    assert source["VisibilityTimeout"] == 270
    assert source["ReceiveMessageWaitTimeSeconds"] == 20


def test_dlq_outlives_the_source(standard):
    found = queues(standard)
    assert found["orders-dlq"]["MessageRetentionPeriod"] == 14 * 86400
    assert found["orders"]["MessageRetentionPeriod"] == 4 * 86400


def test_both_queues_use_a_rotating_customer_managed_key(standard):
    standard.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    standard.resource_count_is("AWS::KMS::Key", 1)
    for props in queues(standard).values():
        assert "Fn::GetAtt" in props["KmsMasterKeyId"]


def test_both_queues_deny_requests_without_tls(standard):
    policies = standard.find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statement = policy["Properties"]["PolicyDocument"]["Statement"][0]
        assert statement["Effect"] == "Deny"
        assert statement["Action"] == "sqs:*"
        assert statement["Principal"] == {"AWS": "*"}
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_fifo_pairs_with_a_fifo_dlq(bare_stack):
    _, template = build(bare_stack, queue_name="orders.fifo", fifo=True)
    found = queues(template)
    assert set(found) == {"orders.fifo", "orders-dlq.fifo"}
    assert all(props["FifoQueue"] is True for props in found.values())


def test_generated_names_fit_sqs_limits(bare_stack):
    stack = bare_stack()
    scope = cdk.Stack(stack.node.scope, "A" * 60, env=stack.environment and None)
    buffer = IntegrationBuffer(scope, "B" * 60, fifo=True)
    assert len(buffer.dead_letter_queue_name) <= 80
    assert buffer.dead_letter_queue_name.endswith("-dlq.fifo")


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"queue_name": "orders", "fifo": True}, "must end in '.fifo'"),
        ({"queue_name": "orders.fifo"}, "fifo is false"),
        ({"max_receive_count": 0}, "max_receive_count 0 is outside 1-1000"),
        ({"max_receive_count": 1001}, "max_receive_count 1001 is outside 1-1000"),
        ({"consumer_timeout": cdk.Duration.hours(3)}, "above the SQS maximum of 43200 s"),
        (
            {"retention_period": cdk.Duration.days(14), "dead_letter_retention_period": cdk.Duration.days(14)},
            "is not longer than retention_period",
        ),
        ({"queue_name": "x" * 80}, "does not fit"),
        (
            {"consumer_timeout": cdk.Duration.seconds(60), "visibility_timeout": cdk.Duration.seconds(359)},
            r"visibility_timeout 359 s is below 6x consumer_timeout \(360 s\)",
        ),
        ({"visibility_timeout": cdk.Duration.seconds(43201)}, "above the SQS maximum of 43200 s"),
    ],
)
def test_bad_props_raise_early_with_the_fix(bare_stack, props, message):
    with pytest.raises(ValueError, match=message):
        IntegrationBuffer(bare_stack(), "Buffer", **props)


def test_grants_cover_queue_and_key(bare_stack):
    from aws_cdk import aws_iam as iam

    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Buffer", queue_name="orders")
    role = iam.Role(stack, "Consumer", assumed_by=iam.AccountPrincipal("123456789012"))
    buffer.grant_consume_messages(role)
    template = Template.from_stack(stack)
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    actions = set()
    for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
        action = statement["Action"]
        actions.update([action] if isinstance(action, str) else action)
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "kms:Decrypt"} <= actions


def test_metrics_name_the_cloudwatch_metric(bare_stack):
    buffer = IntegrationBuffer(bare_stack(), "Buffer", queue_name="orders")
    assert buffer.metric_approximate_age_of_oldest_message().metric_name == "ApproximateAgeOfOldestMessage"
    assert buffer.metric_dead_letter_messages_visible().metric_name == "ApproximateNumberOfMessagesVisible"


def test_a_longer_visibility_than_six_times_is_kept(bare_stack):
    _, template = build(
        bare_stack,
        queue_name="orders",
        consumer_timeout=cdk.Duration.seconds(10),
        visibility_timeout=cdk.Duration.minutes(10),
    )
    assert queues(template)["orders"]["VisibilityTimeout"] == 600


def test_dlq_has_no_redrive_of_its_own_and_is_retained(standard):
    resources = standard.find_resources("AWS::SQS::Queue")
    dlq = next(r for r in resources.values() if r["Properties"]["QueueName"] == "orders-dlq")
    assert "RedrivePolicy" not in dlq["Properties"]
    assert all(r["DeletionPolicy"] == "Retain" for r in resources.values())
