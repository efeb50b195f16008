"""Event delivery constructs on their own: a partner event source into a buffer, and drop-zone
notifications to a vendor's own queue or topic."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from airlock.constructs import DropZone, IntegrationBuffer, PartnerEventDelivery, VendorNotificationTarget

SOURCE = "aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE"
RULE_ARN = f"arn:aws:events:eu-central-1:123456789012:rule/{SOURCE}/airlock-deliver"
VENDOR_QUEUE = "arn:aws:sqs:eu-central-1:920000000012:sf-snowpipe-abc"
VENDOR_TOPIC = "arn:aws:sns:eu-central-1:920000000012:vendor-files"


@pytest.fixture
def delivered(bare_stack):
    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Orders", queue_name="orders")
    delivery = PartnerEventDelivery(
        stack, "Relay", event_source_name=SOURCE, queue=buffer.queue, event_pattern={"detail-type": ["Order__e"]}
    )
    return delivery, Template.from_stack(stack)


def _statements(template, kind, field):
    return [s for r in template.find_resources(kind).values() for s in r["Properties"][field]["Statement"]]


def test_the_partner_bus_is_named_after_its_source(delivered):
    _, template = delivered
    template.has_resource_properties("AWS::Events::EventBus", {"Name": SOURCE, "EventSourceName": SOURCE})


def test_the_rule_always_matches_the_source_and_targets_the_queue_without_a_role(delivered):
    delivery, template = delivered
    (rule,) = template.find_resources("AWS::Events::Rule").values()
    properties = rule["Properties"]
    assert properties["EventBusName"] == SOURCE and properties["State"] == "ENABLED"
    assert properties["EventPattern"] == {"source": [SOURCE], "detail-type": ["Order__e"]}
    (target,) = properties["Targets"]
    assert "RoleArn" not in target
    assert delivery.rule_arn == RULE_ARN


def test_the_queue_admits_eventbridge_for_this_rule_only(delivered):
    _, template = delivered
    statements = [s for s in _statements(template, "AWS::SQS::QueuePolicy", "PolicyDocument") if s["Effect"] == "Allow"]
    (events,) = [s for s in statements if s["Principal"] == {"Service": "events.amazonaws.com"}]
    assert events["Action"] == "sqs:SendMessage"
    assert events["Condition"] == {
        "ArnEquals": {"aws:SourceArn": RULE_ARN},
        "StringEquals": {"aws:SourceAccount": "123456789012"},
    }


def test_the_key_admits_eventbridge_for_this_rule_only(delivered):
    _, template = delivered
    statements = _statements(template, "AWS::KMS::Key", "KeyPolicy")
    events = [s for s in statements if s.get("Principal") == {"Service": "events.amazonaws.com"}]
    assert len(events) == 1
    assert sorted(events[0]["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert events[0]["Condition"]["ArnEquals"] == {"aws:SourceArn": RULE_ARN}


def test_metrics_name_the_rule_on_its_bus(delivered):
    delivery, _ = delivered
    metric = delivery.metric_failed_invocations()
    assert metric.namespace == "AWS/Events" and metric.metric_name == "FailedInvocations"
    assert metric.dimensions == {"EventBusName": SOURCE, "RuleName": "airlock-deliver"}


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"event_source_name": "salesforce.com/x/y"}, "is not a partner event source name"),
        ({"event_pattern": {"source": ["x"]}}, "names 'source'"),
        ({"rule_name": "a rule"}, "is not a rule name"),
    ],
)
def test_bad_props_raise_early(bare_stack, props, message):
    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Orders", queue_name="orders")
    with pytest.raises(ValueError, match=message):
        PartnerEventDelivery(stack, "Relay", **{"event_source_name": SOURCE, "queue": buffer.queue, **props})


def test_a_fifo_queue_is_refused(bare_stack):
    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Orders", queue_name="orders.fifo", fifo=True)
    with pytest.raises(ValueError, match="FIFO"):
        PartnerEventDelivery(stack, "Relay", event_source_name=SOURCE, queue=buffer.queue)


def _zone(bare_stack, **props):
    stack = bare_stack()
    buffer = IntegrationBuffer(stack, "Files", queue_name="files")
    DropZone(
        stack,
        "Zone",
        prefixes=["load/", "unload/", "feed/"],
        bucket_name="zone-123",
        notify_queue=buffer.queue,
        **props,
    )
    return Template.from_stack(stack)


def test_the_vendor_queue_and_topic_hear_of_their_prefixes_and_the_buffer_of_the_rest(bare_stack):
    template = _zone(
        bare_stack,
        notify_prefixes=["unload/"],
        vendor_notifications=[
            VendorNotificationTarget(VENDOR_QUEUE, ("load/",)),
            VendorNotificationTarget(VENDOR_TOPIC, ("feed/",)),
        ],
    )
    (bucket,) = [
        b
        for b in template.find_resources("AWS::S3::Bucket").values()
        if b["Properties"].get("BucketName") == "zone-123"
    ]
    configuration = bucket["Properties"]["NotificationConfiguration"]

    def prefixes(entries, field):
        return [
            (e[field] if isinstance(e[field], str) else "buffer", e["Filter"]["S3Key"]["Rules"][0]["Value"])
            for e in entries
        ]

    assert prefixes(configuration["QueueConfigurations"], "Queue") == [("buffer", "unload/"), (VENDOR_QUEUE, "load/")]
    assert prefixes(configuration["TopicConfigurations"], "Topic") == [(VENDOR_TOPIC, "feed/")]
    assert {e["Event"] for e in configuration["QueueConfigurations"] + configuration["TopicConfigurations"]} == {
        "s3:ObjectCreated:*"
    }


def test_the_vendor_destination_gets_no_policy_of_ours(bare_stack):
    """The vendor's queue is the vendor's: nothing of this stack names it but the notification."""
    template = _zone(
        bare_stack,
        notify_prefixes=["unload/"],
        vendor_notifications=[VendorNotificationTarget(VENDOR_QUEUE, ("load/",))],
    )
    policies = template.find_resources("AWS::SQS::QueuePolicy")
    assert VENDOR_QUEUE not in str(policies)
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like({"Sid": "AllowDropZoneEvents"})])}},
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"vendor_notifications": [VendorNotificationTarget(VENDOR_QUEUE + ".fifo", ("load/",))]}, "FIFO destination"),
        (
            {"vendor_notifications": [VendorNotificationTarget("arn:aws:sqs:us-east-1:920000000012:q", ("load/",))]},
            "only destinations in the bucket's region",
        ),
        ({"vendor_notifications": [VendorNotificationTarget(VENDOR_QUEUE, ("load/",))]}, "overlaps notify_queue"),
        (
            {
                "notify_prefixes": ["unload/"],
                "vendor_notifications": [VendorNotificationTarget(VENDOR_QUEUE, ("load/", "load/a/"))],
            },
            "overlaps vendor_notifications",
        ),
        (
            {"notify_prefixes": ["unload/"], "vendor_notifications": [VendorNotificationTarget(VENDOR_QUEUE, ("x/",))]},
            "not inside the drop zone's prefixes",
        ),
        ({"vendor_notifications": [VendorNotificationTarget("sf-snowpipe", ("load/",))]}, "not an SQS queue or SNS"),
    ],
)
def test_bad_notification_props_raise_early(bare_stack, props, message):
    with pytest.raises(ValueError, match=message):
        _zone(bare_stack, **props)


def _stack(**changes):
    import aws_cdk as cdk

    from airlock.spec import validate
    from airlock.stacks import IntegrationStack
    from tests.specs import spec_data

    spec = validate(spec_data(**changes))
    return spec, IntegrationStack(
        cdk.App(),
        "Crm",
        env=cdk.Environment(account="210000000001", region="eu-central-1"),
        organization=spec.organization,
        integration=spec.integrations[0],
    )


def test_the_integration_stack_builds_each_declared_partner_source():
    _, stack = _stack(
        **{
            "integrations.0.event_sources": [
                {"name": SOURCE, "buffer": "inbound", "event_pattern": {"detail-type": ["Order__e"]}}
            ]
        }
    )
    (delivery,) = stack.event_sources.values()
    assert delivery.queue is stack.buffers["inbound"].queue
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "Name": "airlock-to-inbound",
            "EventBusName": SOURCE,
            "EventPattern": {"source": [SOURCE], "detail-type": ["Order__e"]},
        },
    )


def test_the_integration_stack_notifies_the_vendor_and_the_buffer_of_disjoint_prefixes():
    queue = "arn:aws:sqs:eu-central-1:900000000011:vendor-files"
    _, stack = _stack(
        **{
            "integrations.0.drop_zone": {
                "prefixes": ["load/", "unload/"],
                "notify_buffer": "inbound",
                "notify_buffer_prefixes": ["unload/"],
                "notify_vendor": [{"arn": queue, "prefixes": ["load/"]}],
            }
        }
    )
    assert stack.drop_zone is not None and stack.drop_zone.notify_prefixes == ("unload/",)
    bucket = Template.from_stack(stack).find_resources(
        "AWS::S3::Bucket", {"Properties": {"BucketName": "airlock-crm-210000000001-eu-central-1"}}
    )
    (configuration,) = [b["Properties"]["NotificationConfiguration"] for b in bucket.values()]
    targets = [(c["Queue"], c["Filter"]["S3Key"]["Rules"][0]["Value"]) for c in configuration["QueueConfigurations"]]
    assert targets[1] == (queue, "load/") and targets[0][1] == "unload/" and len(targets) == 2


def test_the_register_records_partner_sources_and_vendor_notifications():
    from datetime import date

    from airlock.register import build_register
    from airlock.spec import load
    from tests.conftest import RECIPES

    relay = build_register(load(RECIPES["salesforce-event-relay"]), today=date(2026, 9, 1)).integrations[0]
    (source,) = relay.event_sources
    assert source.rule_name == "airlock-to-order-events" and source.buffer == "order-events"
    assert source.event_pattern == {"source": [source.name]} and source.name.startswith("aws.partner/salesforce.com/")
    assert relay.data_flows[0].via == "event-source" and relay.data_flows[0].buffer == "order-events"
    warehouse = build_register(load(RECIPES["snowflake-storage-integration"]), today=date(2026, 9, 1)).integrations[0]
    assert warehouse.drop_zone is not None
    assert warehouse.drop_zone.notify_buffer_prefixes == ["unload/"]
    (notified,) = warehouse.drop_zone.notify_vendor
    assert notified.prefixes == ["load/"] and ":920000000012:sf-snowpipe-" in notified.arn


def test_a_failed_partner_event_delivery_pages_the_alarm_topic():
    _, stack = _stack(**{"integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound"}]})
    alarm = stack.monitoring.failed_delivery_alarms["event-source-0"]
    assert alarm in stack.monitoring.alarms
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "airlock-crm-event-source-0-failed-deliveries",
            "MetricName": "FailedInvocations",
            "Namespace": "AWS/Events",
            "Dimensions": Match.array_with([{"Name": "RuleName", "Value": "airlock-to-inbound"}]),
            "Threshold": 0,
            "AlarmActions": [Match.any_value()],
        },
    )


def test_a_source_of_another_region_is_built_only_in_that_regions_stack():
    _, stack = _stack(
        **{
            "integrations.0.regions": ["eu-central-1", "eu-west-1"],
            "integrations.0.network.az_ids": ["euc1-az1", "euc1-az2", "euw1-az1", "euw1-az2"],
            "integrations.0.event_sources": [{"name": SOURCE, "buffer": "inbound", "region": "eu-west-1"}],
        }
    )
    assert stack.region == "eu-central-1" and stack.event_sources == {}
    Template.from_stack(stack).resource_count_is("AWS::Events::EventBus", 0)


def test_the_register_diagram_says_an_event_only_vendor_has_no_account_of_its_own():
    from datetime import date

    from airlock.register import build_register
    from airlock.register.mermaid import flowchart
    from airlock.spec import load
    from tests.conftest import RECIPES

    (relay,) = build_register(load(RECIPES["salesforce-event-relay"]), today=date(2026, 9, 1)).integrations
    chart = flowchart(relay)
    assert 'vendor["Salesforce<br/>no AWS account of its own"]' in chart
    assert 'via_event_source[["EventBridge partner event bus"]]' in chart
