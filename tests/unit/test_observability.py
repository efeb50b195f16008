"""Alarms, alarm topic and dashboard: the right metrics, thresholds and actions in the template."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from airlock.constructs import FLOW_LOG_FIELDS, IntegrationBuffer, IntegrationMonitoring
from airlock.constructs.observability import rejected_flows_pattern

STACK = "airlock-payroll-eu-central-1"
PREFIX = "airlock-payroll"


@pytest.fixture(scope="module")
def payroll(example_assembly):
    return example_assembly.template(STACK)["Resources"]


def of_type(resources, type_):
    return {k: v for k, v in resources.items() if v["Type"] == type_}


def alarms(resources):
    return {
        a["Properties"]["AlarmName"]: a["Properties"] for a in of_type(resources, "AWS::CloudWatch::Alarm").values()
    }


def topic_id(resources):
    (logical_id,) = of_type(resources, "AWS::SNS::Topic")
    return logical_id


def test_every_alarm_notifies_the_topic_on_alarm_and_on_ok(payroll):
    found = alarms(payroll)
    assert sorted(found) == [
        f"{PREFIX}-payroll-files-age-of-oldest-message",
        f"{PREFIX}-payroll-files-dead-letters",
        f"{PREFIX}-rejected-flows",
    ]
    topic = {"Ref": topic_id(payroll)}
    for props in found.values():
        assert props["AlarmActions"] == [topic]
        assert props["OKActions"] == [topic]
        assert props["TreatMissingData"] == "notBreaching"
        assert props["EvaluationPeriods"] == 1


def test_age_of_oldest_message_alarm_uses_the_spec_threshold(payroll, example_spec):
    props = alarms(payroll)[f"{PREFIX}-payroll-files-age-of-oldest-message"]
    assert props["Namespace"] == "AWS/SQS"
    assert props["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert props["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": [props["Dimensions"][0]["Value"]["Fn::GetAtt"][0], "QueueName"]}}
    ]
    assert props["Statistic"] == "Maximum"
    assert props["Period"] == 300
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["Threshold"] == example_spec.integration("payroll").observability.age_of_oldest_message_seconds == 3600


def test_any_visible_dead_letter_raises_the_alarm(payroll):
    props = alarms(payroll)[f"{PREFIX}-payroll-files-dead-letters"]
    assert props["MetricName"] == "ApproximateNumberOfMessagesVisible"
    queue_id = props["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
    assert payroll[queue_id]["Properties"]["QueueName"] == "airlock-payroll-payroll-files-dlq"
    assert props["ComparisonOperator"] == "GreaterThanThreshold"
    assert props["Threshold"] == 0
    assert props["Period"] == 60


def test_rejected_flows_are_counted_from_the_flow_log_group(payroll):
    (metric_filter,) = of_type(payroll, "AWS::Logs::MetricFilter").values()
    props = metric_filter["Properties"]
    (flow_log,) = [
        f
        for f in of_type(payroll, "AWS::EC2::FlowLog").values()
        if f["Properties"]["LogDestinationType"] == "cloud-watch-logs"
    ]
    assert props["LogGroupName"] == flow_log["Properties"]["LogGroupName"]
    assert props["LogGroupName"]["Ref"] in of_type(payroll, "AWS::Logs::LogGroup")
    assert 'action = "REJECT"' in props["FilterPattern"]
    (transformation,) = props["MetricTransformations"]
    assert transformation == {
        "MetricNamespace": "Airlock",
        "MetricName": "RejectedFlows",
        "MetricValue": "1",
        "DefaultValue": 0,
    }
    alarm = alarms(payroll)[f"{PREFIX}-rejected-flows"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("Airlock", "RejectedFlows", "Sum")
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == 10


def test_filter_pattern_names_the_flow_log_fields_in_order():
    pattern = rejected_flows_pattern().log_pattern_string
    names = [part.split("=")[0].strip() for part in pattern.strip("[]").split(",")]
    assert names == [field.replace("-", "_") for field in FLOW_LOG_FIELDS]


def test_alarm_topic_is_encrypted_tls_only_and_mails_the_subscribers(payroll):
    (topic,) = of_type(payroll, "AWS::SNS::Topic").values()
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = payroll[key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    cloudwatch = [
        s for s in key["KeyPolicy"]["Statement"] if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert cloudwatch and cloudwatch[0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "220000000002"},
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:eu-central-1:220000000002:alarm:*"},
    }
    (policy,) = of_type(payroll, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in statements
    )
    (publish,) = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert publish["Action"] == "sns:Publish"
    assert publish["Condition"]["StringEquals"] == {"aws:SourceAccount": "220000000002"}
    (subscription,) = of_type(payroll, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "hr-systems-oncall@contoso-freight.example"
    assert subscription["Properties"]["TopicArn"] == {"Ref": topic_id(payroll)}


def dashboard_body(resources) -> str:
    (dashboard,) = of_type(resources, "AWS::CloudWatch::Dashboard").values()
    assert dashboard["Properties"]["DashboardName"] == "airlock-payroll-eu-central-1"
    parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else json.dumps(p) for p in parts)


def test_dashboard_shows_alarms_and_volume_at_a_glance(payroll):
    body = dashboard_body(payroll)
    for alarm in alarms(payroll):
        assert f":alarm:{alarm}" in body
    for metric in (
        '"NumberOfMessagesSent"',
        '"NumberOfMessagesReceived"',
        '"NumberOfMessagesDeleted"',
        '"SentMessageSize"',
        '"ApproximateAgeOfOldestMessage"',
        '"ApproximateNumberOfMessagesVisible"',
        '"PutRequests"',
        '"BytesUploaded"',
        '"NumberOfObjects"',
        '"RejectedFlows"',
    ):
        assert metric in body, metric
    assert '{"value":3600,"label":"alarm"' in body  # the threshold drawn on the age graph
    assert "airlock-payroll-220000000002-eu-central-1" in body


def test_bytes_sent_are_summed_not_averaged(bare_stack):
    buffer = IntegrationBuffer(bare_stack(), "Buffer", queue_name="orders")
    assert buffer.metric_sent_message_size().statistic == "Sum"
    assert buffer.metric_number_of_messages_sent().metric_name == "NumberOfMessagesSent"
    assert buffer.metric_number_of_messages_received().metric_name == "NumberOfMessagesReceived"
    assert buffer.metric_number_of_messages_deleted().metric_name == "NumberOfMessagesDeleted"


def test_construct_works_without_names_or_flow_logs(bare_stack):
    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Buffer", queue_name="orders")
    monitoring = IntegrationMonitoring(stack, "Monitoring", dashboard_name="orders", buffers={"orders": buffer})
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    template.resource_count_is("AWS::Logs::MetricFilter", 0)
    template.resource_count_is("AWS::SNS::Subscription", 0)
    assert monitoring.rejected_flows_alarm is None
    (alarm,) = [
        a
        for a in template.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
    ]
    assert alarm["Properties"]["Threshold"] == 900  # default: 15 minutes


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"age_of_oldest_message_threshold": cdk.Duration.seconds(30)}, "below one minute"),
        ({"rejected_flows_threshold": 0}, "rejected_flows_threshold 0 is below 1"),
    ],
)
def test_bad_props_raise_early(bare_stack, props, message):
    with pytest.raises(ValueError, match=message):
        IntegrationMonitoring(bare_stack(), "Monitoring", dashboard_name="x", buffers={}, **props)
