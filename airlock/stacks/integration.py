"""The intermediate-account half: one stack per integration and region."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_logs as logs
from constructs import Construct

from airlock.compliance import acknowledge
from airlock.constructs import IntegrationBuffer, IsolatedVpc
from airlock.spec import Integration, Organization
from airlock.spec.placement import home_region
from airlock.spec.regions import region_of_az_id
from airlock.spec.types import LOG_RETENTION_DAYS
from airlock.stacks.tags import apply_tags, integration_tags

_RETENTION = dict(
    zip(
        LOG_RETENTION_DAYS,
        [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE],
        strict=True,
    )
)


def log_retention(days: int) -> logs.RetentionDays:
    """The CDK retention enum for a number of days the spec accepted."""
    return _RETENTION[days]


def queue_base_name(integration: Integration, buffer_name: str) -> str:
    return f"airlock-{integration.name}-{buffer_name}"


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
        region = self.region
        #: True in exactly one stack per integration: the one that creates the region-independent
        #: resources (the budget, named IAM roles); see airlock.stacks.placement.
        self.is_home_region = region == home_region(integration)
        apply_tags(self, integration_tags(organization, integration))

        az_ids = [az for az in integration.network.az_ids if region_of_az_id(az) == region]
        self.network = IsolatedVpc(
            self,
            "Network",
            cidr=integration.network.cidr,
            az_ids=az_ids,
            flow_log_retention=log_retention(integration.network.flow_log_retention_days),
        )
        acknowledge(
            self.network.resource,
            "NIST.800.53.R5-VPCDefaultSecurityGroupClosed",
            reason="Closing the default security group needs a Lambda-backed custom resource; "
            "nothing in an intermediate account is placed in the default group, every interface "
            "gets an explicit security group.",
        )
        acknowledge(
            self.network.flow_log_role,
            "NIST.800.53.R5-IAMNoInlinePolicy",
            reason="The delivery role's only policy is generated for this one log group and lives and dies with it.",
        )

        self.buffers: dict[str, IntegrationBuffer] = {}
        buffers_scope = Construct(self, "Buffers")
        for buffer in integration.buffers:
            suffix = ".fifo" if buffer.fifo else ""
            self.buffers[buffer.name] = IntegrationBuffer(
                buffers_scope,
                buffer.name,
                queue_name=queue_base_name(integration, buffer.name) + suffix,
                fifo=buffer.fifo,
                max_receive_count=buffer.max_receive_count,
                consumer_timeout=cdk.Duration.seconds(buffer.consumer_timeout_seconds),
                retention_period=cdk.Duration.seconds(buffer.retention_seconds),
                dead_letter_retention_period=cdk.Duration.seconds(buffer.dlq_retention_seconds),
            )

        cdk.CfnOutput(self, "VpcId", value=self.network.vpc_id)
        for name, built in self.buffers.items():
            cdk.CfnOutput(self, f"{name}QueueUrl", value=built.queue.queue_url)
