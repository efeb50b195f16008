"""Alarms and a dashboard for one integration: is anything waiting, failing or being refused?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from airlock.constructs._keys import customer_managed_key
from airlock.constructs.buffer import IntegrationBuffer
from airlock.constructs.drop_zone import DropZone
from airlock.constructs.events import PartnerEventDelivery
from airlock.constructs.network import FLOW_LOG_FIELDS

#: Namespace of the metrics airlock derives from logs.
METRIC_NAMESPACE = "Airlock"
REJECTED_FLOWS_METRIC = "RejectedFlows"
_PERIOD = cdk.Duration.minutes(5)


def rejected_flows_pattern() -> logs.IFilterPattern:
    """Flow-log records (in airlock's field order) whose action is REJECT."""
    fields = [field.replace("-", "_") for field in FLOW_LOG_FIELDS]
    return logs.FilterPattern.space_delimited(*fields).where_string("action", "=", "REJECT")


class IntegrationMonitoring(Construct):
    """An alarm topic, the alarms that page it, and a dashboard of the integration's volume.

    Per buffer: an alarm when the oldest message has waited longer than
    ``age_of_oldest_message_threshold`` (consumers lag or are down) and an alarm on any
    visible message in the dead-letter queue (a message failed every attempt). With a flow-log
    group: a metric filter counting rejected flows and an alarm at ``rejected_flows_threshold``
    in five minutes. Every alarm notifies the topic on ALARM and on OK; missing data counts as
    healthy. The topic is encrypted with a customer-managed key that CloudWatch may use, and
    denies publishing without TLS.

    The dashboard shows the alarms' state at the top, then per buffer messages sent, received
    and deleted, bytes sent, the age of the oldest message (with the threshold) and the DLQ
    depth; per drop zone objects and bytes written and objects stored; rejected flows.

    :param dashboard_name: name of the CloudWatch dashboard (unique in the account).
    :param buffers: buffers to watch, by display name.
    :param drop_zone: drop zone whose volume the dashboard shows. Default: none.
    :param event_deliveries: partner event deliveries to watch, by display name: an alarm on any
        failed invocation (EventBridge gave up delivering an event to the buffer after its
        retries). Default: none.
    :param flow_log_group: VPC flow-log group to count rejected flows in. Default: none.
    :param subscribers: email addresses subscribed to the alarm topic. Default: none (add
        subscriptions to ``topic`` yourself).
    :param age_of_oldest_message_threshold: Default: 15 minutes.
    :param rejected_flows_threshold: rejected flows in five minutes that raise the alarm. Default: 10.
    :param alarm_name_prefix: alarms are named ``<prefix>-<buffer>-age-of-oldest-message``,
        ``<prefix>-<buffer>-dead-letters`` and ``<prefix>-rejected-flows``, and the dashboard
        names them by literal ARN. Default: names that CloudFormation generates.
    :param key: KMS key of the topic. Default: a new customer-managed key with rotation that
        CloudWatch alarms of this account and region may use (``aws:SourceAccount`` and
        ``aws:SourceArn``, as on the topic).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        dashboard_name: str,
        buffers: Mapping[str, IntegrationBuffer],
        drop_zone: DropZone | None = None,
        event_deliveries: Mapping[str, PartnerEventDelivery] | None = None,
        flow_log_group: logs.ILogGroup | None = None,
        subscribers: Sequence[str] = (),
        age_of_oldest_message_threshold: cdk.Duration | None = None,
        rejected_flows_threshold: int = 10,
        alarm_name_prefix: str | None = None,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        threshold = age_of_oldest_message_threshold or cdk.Duration.minutes(15)
        if threshold.to_seconds() < 60:
            raise ValueError(
                f"age_of_oldest_message_threshold {threshold.to_seconds()} s is below one minute, shorter than "
                "the metric's resolution; use at least 60 s"
            )
        if rejected_flows_threshold < 1:
            raise ValueError(f"rejected_flows_threshold {rejected_flows_threshold} is below 1; use 1 or more")
        stack = cdk.Stack.of(self)
        self._stack = stack
        self._prefix = alarm_name_prefix
        self._alarm_refs: Construct | None = None
        # What CloudWatch sends with an alarm notification: the alarm's ARN and account. The
        # topic and its key check the same, so no other CloudWatch request can use either.
        alarms_of_this_account = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {"aws:SourceArn": stack.format_arn(service="cloudwatch", resource="alarm:*")},
        }
        self.key: kms.IKey = key or customer_managed_key(self, "Key", description=f"Alarm topic of {self.node.path}")
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=alarms_of_this_account,
            )
        )
        self.topic = sns.Topic(self, "Topic", master_key=self.key, enforce_ssl=True)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=alarms_of_this_account,
            )
        )
        for address in subscribers:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        action = cw_actions.SnsAction(self.topic)

        self.alarms: list[cloudwatch.Alarm] = []
        self.age_alarms: dict[str, cloudwatch.Alarm] = {}
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        alarms_scope = Construct(self, "Alarms")
        for name, buffer in buffers.items():
            holder = Construct(alarms_scope, name)
            self.age_alarms[name] = cloudwatch.Alarm(
                holder,
                "AgeOfOldestMessage",
                alarm_name=self._name(f"{name}-age-of-oldest-message"),
                alarm_description=f"Messages of buffer '{name}' ({buffer.queue_name}) wait longer than "
                f"{int(threshold.to_seconds())} s: its consumers lag or are down.",
                metric=buffer.metric_approximate_age_of_oldest_message(period=_PERIOD, statistic="Maximum"),
                threshold=threshold.to_seconds(),
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.dead_letter_alarms[name] = cloudwatch.Alarm(
                holder,
                "DeadLetterMessages",
                alarm_name=self._name(f"{name}-dead-letters"),
                alarm_description=f"Buffer '{name}' has messages in its dead-letter queue "
                f"({buffer.dead_letter_queue_name}): each failed every attempt; fix the cause, then "
                "`airlock redrive`.",
                metric=buffer.metric_dead_letter_messages_visible(period=cdk.Duration.minutes(1), statistic="Maximum"),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.alarms += [self.age_alarms[name], self.dead_letter_alarms[name]]

        self.failed_delivery_alarms: dict[str, cloudwatch.Alarm] = {}
        for name, delivery in (event_deliveries or {}).items():
            self.failed_delivery_alarms[name] = cloudwatch.Alarm(
                Construct(alarms_scope, name),
                "FailedInvocations",
                alarm_name=self._name(f"{name}-failed-deliveries"),
                alarm_description=f"EventBridge failed to deliver events of {delivery.event_source_name} to its "
                "buffer after every retry: check the queue and key policies (airlock access) and the queue.",
                metric=delivery.metric_failed_invocations(period=_PERIOD, statistic="Sum"),
                threshold=0,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.alarms.append(self.failed_delivery_alarms[name])

        self.rejected_flows_alarm: cloudwatch.Alarm | None = None
        self.rejected_flows_metric: cloudwatch.Metric | None = None
        if flow_log_group is not None:
            metric_filter = logs.MetricFilter(
                self,
                "RejectedFlows",
                log_group=flow_log_group,
                filter_pattern=rejected_flows_pattern(),
                metric_namespace=METRIC_NAMESPACE,
                metric_name=REJECTED_FLOWS_METRIC,
                metric_value="1",
                default_value=0,
            )
            self.rejected_flows_metric = metric_filter.metric(statistic="Sum", period=_PERIOD)
            self.rejected_flows_alarm = cloudwatch.Alarm(
                alarms_scope,
                "RejectedFlows",
                alarm_name=self._name("rejected-flows"),
                alarm_description=f"The VPC flow logs recorded at least {rejected_flows_threshold} rejected flows "
                "in five minutes: something tries to reach what it may not.",
                metric=self.rejected_flows_metric,
                threshold=rejected_flows_threshold,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                evaluation_periods=1,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            self.alarms.append(self.rejected_flows_alarm)

        for alarm in self.alarms:
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)

        self.dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=dashboard_name, period_override=cloudwatch.PeriodOverride.AUTO
        )
        self._widgets(buffers, drop_zone, threshold)

    def _name(self, suffix: str) -> str | None:
        return f"{self._prefix}-{suffix}" if self._prefix else None

    def _for_dashboard(self, index: int, alarm: cloudwatch.Alarm) -> cloudwatch.IAlarm:
        """The alarm by literal ARN when it has a literal name, so the dashboard needs no reference."""
        cfn = alarm.node.default_child
        name = cfn.alarm_name if isinstance(cfn, cloudwatch.CfnAlarm) else None
        if not name or cdk.Token.is_unresolved(name) or cdk.Token.is_unresolved(self._stack.region):
            return alarm
        arn = self._stack.format_arn(
            service="cloudwatch", resource="alarm", resource_name=name, arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
        )
        if self._alarm_refs is None:
            self._alarm_refs = Construct(self, "AlarmRefs")
        return cloudwatch.Alarm.from_alarm_arn(self._alarm_refs, str(index), arn)

    def _widgets(
        self, buffers: Mapping[str, IntegrationBuffer], drop_zone: DropZone | None, threshold: cdk.Duration
    ) -> None:
        board = self.dashboard
        if self.alarms:
            board.add_widgets(
                cloudwatch.AlarmStatusWidget(
                    title="Alarms",
                    alarms=[self._for_dashboard(index, alarm) for index, alarm in enumerate(self.alarms)],
                    width=24,
                    height=len(self.alarms) // 4 + 2,
                )
            )
        for name, buffer in buffers.items():
            board.add_widgets(
                cloudwatch.TextWidget(markdown=f"## Buffer {name}\n`{buffer.queue_name}`", width=24, height=1)
            )
            board.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{name}: messages",
                    left=[
                        buffer.metric_number_of_messages_sent(label="sent"),
                        buffer.metric_number_of_messages_received(label="received"),
                        buffer.metric_number_of_messages_deleted(label="deleted"),
                    ],
                    width=6,
                ),
                cloudwatch.GraphWidget(
                    title=f"{name}: bytes sent",
                    left=[buffer.metric_sent_message_size(label="bytes")],
                    width=6,
                ),
                cloudwatch.GraphWidget(
                    title=f"{name}: age of oldest message (s)",
                    left=[buffer.metric_approximate_age_of_oldest_message(statistic="Maximum", label="age")],
                    left_annotations=[cloudwatch.HorizontalAnnotation(value=threshold.to_seconds(), label="alarm")],
                    width=6,
                ),
                cloudwatch.SingleValueWidget(
                    title=f"{name}: waiting / dead letters",
                    metrics=[
                        buffer.metric_approximate_number_of_messages_visible(statistic="Maximum", label="waiting"),
                        buffer.metric_dead_letter_messages_visible(statistic="Maximum", label="dead letters"),
                    ],
                    width=6,
                ),
            )
        if drop_zone is not None:
            board.add_widgets(
                cloudwatch.TextWidget(markdown=f"## Drop zone\n`{drop_zone.bucket_name}`", width=24, height=1)
            )
            board.add_widgets(
                cloudwatch.GraphWidget(
                    title="drop zone: objects written",
                    left=[drop_zone.metric_put_requests(label="objects")],
                    width=8,
                ),
                cloudwatch.GraphWidget(
                    title="drop zone: bytes written",
                    left=[drop_zone.metric_bytes_uploaded(label="bytes")],
                    width=8,
                ),
                cloudwatch.SingleValueWidget(
                    title="drop zone: objects stored",
                    metrics=[drop_zone.metric_number_of_objects(label="objects")],
                    width=8,
                ),
            )
        if self.rejected_flows_metric is not None:
            board.add_widgets(
                cloudwatch.GraphWidget(
                    title="network: rejected flows",
                    left=[self.rejected_flows_metric.with_(label="rejected")],
                    width=24,
                )
            )
