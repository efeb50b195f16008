"""The intermediate-account half: one stack per integration and region."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from airlock.compliance import declare_mandatory_tags
from airlock.constructs import IntegrationBuffer
from airlock.spec import Integration, Organization
from airlock.spec.impact import deployment_architecture
from airlock.spec.placement import home_region
from airlock.stacks.access import wire_access
from airlock.stacks.network import build_network, log_retention
from airlock.stacks.registration import add_registration
from airlock.stacks.tags import MANDATORY_TAG_KEYS, apply_tags, integration_tags

__all__ = ["IntegrationStack", "log_retention", "queue_base_name"]


def queue_base_name(integration: Integration, buffer_name: str) -> str:
    return f"airlock-{integration.name}-{buffer_name}"


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

        #: Everything of the network half; ``self.network`` is its isolated VPC.
        self.networking = build_network(self, organization=organization, integration=integration)
        self.network = self.networking.vpc

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

        self.registration = add_registration(
            self, organization=organization, integration=integration, region=self.region
        )

        self.template_options.metadata = {
            ARCHITECTURE_METADATA: deployment_architecture(integration).to_dict(),
        }
        cdk.CfnOutput(self, "VpcId", value=self.network.vpc_id)
        for name, built in self.buffers.items():
            cdk.CfnOutput(self, f"{name}QueueUrl", value=built.queue.queue_url)

        # Last, so that every resource a grant names exists.
        self.vendor_access = wire_access(self, organization, integration)
