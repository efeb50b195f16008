"""The intermediate-account half: one stack per integration and region."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from airlock.compliance import acknowledge, declare_mandatory_tags
from airlock.compliance.control_tower import PLUGIN_NAME as CONTROL_TOWER_PLUGIN
from airlock.constructs import (
    DropZone,
    IntegrationBuffer,
    IntegrationMonitoring,
    PartnerEventDelivery,
    VendorNotificationTarget,
)
from airlock.spec import Integration, Organization
from airlock.spec.buffer_checks import drop_zone_bucket_name, queue_names
from airlock.spec.buffer_checks import queue_base_name as spec_queue_base_name
from airlock.spec.events_checks import event_rule_name, source_region
from airlock.spec.impact import deployment_architecture
from airlock.spec.observability import alarm_subscribers
from airlock.spec.placement import home_region
from airlock.stacks.access import wire_access
from airlock.stacks.network import build_network, log_retention
from airlock.stacks.registration import add_registration
from airlock.stacks.spec_origins import mark_integration
from airlock.stacks.tags import MANDATORY_TAG_KEYS, apply_tags, integration_tags
from airlock.stacks.webhooks import add_webhooks

__all__ = ["IntegrationStack", "log_retention", "queue_base_name"]


#: Plugin prefix of the AWS Control Tower proactive controls (cfn-guard) in acknowledgement ids.
_CONTROL_TOWER = f"{CONTROL_TOWER_PLUGIN}::"
_ACCESS_LOG_TARGET = "This is the drop zone's server access log bucket"


def _acknowledge_log_bucket(drop_zone: DropZone) -> None:
    """Findings that cannot apply to an S3 server access log target bucket, with the reason."""
    bucket = drop_zone.log_bucket
    not_kms = (
        f"{_ACCESS_LOG_TARGET}; S3 log delivery supports only SSE-S3 on its target bucket. The logs hold request "
        "metadata; the files themselves stay under the drop zone's KMS key."
    )
    acknowledge(bucket, "NIST.800.53.R5-S3DefaultEncryptionKMS", reason=not_kms)
    acknowledge(bucket, _CONTROL_TOWER + "s3_bucket_default_encryption_kms_check", reason=not_kms)
    acknowledge(
        bucket,
        _CONTROL_TOWER + "s3_bucket_logging_enabled_check",
        reason=f"{_ACCESS_LOG_TARGET}; logging its own requests into itself would write a record per record.",
    )
    acknowledge(
        bucket,
        _CONTROL_TOWER + "s3_bucket_object_lock_enabled_check",
        reason=f"{_ACCESS_LOG_TARGET}; S3 does not deliver access logs to a bucket with an Object Lock default "
        "retention.",
    )
    acknowledge(
        bucket,
        _CONTROL_TOWER + "s3_event_notifications_enabled_check",
        reason=f"{_ACCESS_LOG_TARGET}; nothing processes access logs as events, they are read when auditing.",
    )


def queue_base_name(integration: Integration, buffer_name: str) -> str:
    """``airlock-<integration>-<buffer>``: a buffer's source queue name before any '.fifo'."""
    return spec_queue_base_name(integration.name, buffer_name)


#: Template metadata key holding the integration's deployment architecture (see airlock.spec.impact).
ARCHITECTURE_METADATA = "airlock:deployment-architecture"


class IntegrationStack(cdk.Stack):
    """Deployed to an integration's intermediate account, once per region."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        organization: Organization,
        integration: Integration,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.integration = integration
        #: True in exactly one stack per integration: the one that creates the region-independent
        #: resources (the budget, named IAM roles); see airlock.stacks.placement.
        self.is_home_region = self.region == home_region(integration)
        apply_tags(self, integration_tags(organization, integration))
        declare_mandatory_tags(self, MANDATORY_TAG_KEYS)

        #: Everything of the network half; ``self.network`` is its isolated VPC. Both are None
        #: for an integration without a network (a role-only or event-only vendor).
        self.networking = (
            build_network(self, organization=organization, integration=integration)
            if integration.network is not None
            else None
        )
        self.network = self.networking.vpc if self.networking is not None else None

        self.buffers: dict[str, IntegrationBuffer] = {}
        buffers_scope = Construct(self, "Buffers")
        for buffer in integration.buffers:
            queue_name, _ = queue_names(integration.name, buffer.name, fifo=buffer.fifo)
            self.buffers[buffer.name] = IntegrationBuffer(
                buffers_scope,
                buffer.name,
                queue_name=queue_name,
                fifo=buffer.fifo,
                max_receive_count=buffer.max_receive_count,
                consumer_timeout=cdk.Duration.seconds(buffer.consumer_timeout_seconds),
                visibility_timeout=cdk.Duration.seconds(buffer.visibility_timeout),
                retention_period=cdk.Duration.seconds(buffer.retention_seconds),
                dead_letter_retention_period=cdk.Duration.seconds(buffer.dlq_retention_seconds),
            )

        #: The vendor's webhook endpoints, by webhook name.
        self.webhooks = add_webhooks(self, integration, self.buffers)
        #: The partner event buses and rules of this region, by partner event source name.
        self.event_sources: dict[str, PartnerEventDelivery] = {}
        if integration.event_sources:
            sources_scope = Construct(self, "EventSources")
            for position, source in enumerate(integration.event_sources):
                if source_region(integration, position) != self.region:
                    continue
                self.event_sources[source.name] = PartnerEventDelivery(
                    sources_scope,
                    source.name.removeprefix("aws.partner/").replace("/", "-"),
                    event_source_name=source.name,
                    queue=self.buffers[source.buffer].queue,
                    event_pattern=source.event_pattern,
                    rule_name=event_rule_name(source.buffer),
                )

        #: The S3 drop zone of a file integration; None when the spec declares none.
        self.drop_zone: DropZone | None = None
        if integration.drop_zone is not None:
            spec_zone = integration.drop_zone
            notify = self.buffers[spec_zone.notify_buffer] if spec_zone.notify_buffer else None
            self.drop_zone = DropZone(
                self,
                "DropZone",
                prefixes=spec_zone.prefixes,
                bucket_name=drop_zone_bucket_name(integration.name, self.account, self.region),
                notify_queue=notify.queue if notify else None,
                notify_prefixes=spec_zone.notify_buffer_prefixes if notify else None,
                vendor_notifications=[
                    VendorNotificationTarget(target.arn, tuple(target.prefixes))
                    for target in spec_zone.notify_vendor
                    if target.region == self.region
                ],
                expire_after=cdk.Duration.days(spec_zone.expire_after_days),
                noncurrent_expire_after=cdk.Duration.days(spec_zone.noncurrent_expire_after_days),
            )
            _acknowledge_log_bucket(self.drop_zone)
            acknowledge(
                self.drop_zone.resource,
                _CONTROL_TOWER + "s3_bucket_object_lock_enabled_check",
                reason="Dropped files are transient: the lifecycle expires them after processing, which Object "
                "Lock would forbid; versioning keeps overwritten files for the non-current expiry.",
            )
            acknowledge(
                self.drop_zone,
                "NIST.800.53.R5-S3BucketReplicationEnabled",
                reason="Files are transient (they expire after processing) and the integration is regional; a "
                "region loss is handled by the SaaS re-sending, see docs/resilience.md.",
            )

        observability = integration.observability
        self.monitoring = IntegrationMonitoring(
            self,
            "Monitoring",
            dashboard_name=f"airlock-{integration.name}-{self.region}",
            buffers=self.buffers,
            drop_zone=self.drop_zone,
            event_deliveries={
                f"event-source-{position}": self.event_sources[source.name]
                for position, source in enumerate(integration.event_sources)
                if source.name in self.event_sources
            },
            flow_log_group=self.network.flow_log_group if self.network is not None else None,
            subscribers=alarm_subscribers(observability, organization.observability),
            age_of_oldest_message_threshold=cdk.Duration.seconds(observability.age_of_oldest_message_seconds),
            rejected_flows_threshold=observability.rejected_flows_threshold,
            alarm_name_prefix=f"airlock-{integration.name}",
        )

        self.registration = add_registration(
            self, organization=organization, integration=integration, region=self.region
        )

        self.template_options.metadata = {
            ARCHITECTURE_METADATA: deployment_architecture(integration).to_dict(),
        }
        if self.network is not None:
            cdk.CfnOutput(self, "VpcId", value=self.network.vpc_id)
        for name, built in self.buffers.items():
            cdk.CfnOutput(self, f"{name}QueueUrl", value=built.queue.queue_url)
        if self.drop_zone is not None:
            cdk.CfnOutput(self, "DropZoneBucketName", value=self.drop_zone.bucket_name)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
        cdk.CfnOutput(self, "DashboardName", value=f"airlock-{integration.name}-{self.region}")

        # Last, so that every resource a grant names exists.
        self.vendor_access = wire_access(self, organization, integration)
        mark_integration(self)
