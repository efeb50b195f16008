"""Translate an integration's access declarations into the vendor role, its grants and core consumers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from airlock.compliance import acknowledge
from airlock.constructs import VendorAccessRole, allow_core_consumers
from airlock.spec import Integration, Organization
from airlock.spec.placement import home_region

if TYPE_CHECKING:
    from airlock.stacks.integration import IntegrationStack


def vendor_role_name(integration: Integration, region: str | None = None) -> str:
    """``airlock-<name>-vendor`` in the home region; other regions add their name, because an
    IAM role name is unique per account and each region's stack grants its own resources."""
    if region is None or region == home_region(integration):
        return f"airlock-{integration.name}-vendor"
    return f"airlock-{integration.name}-vendor-{region}"


def wire_access(
    stack: IntegrationStack, organization: Organization, integration: Integration
) -> VendorAccessRole | None:
    """Add the vendor role and its grants (if declared) and the core consumers' statements."""
    _wire_core_consumers(stack, organization, integration)
    access = integration.access
    if access is None:
        return None
    role = VendorAccessRole(
        stack,
        "VendorAccess",
        role_name=vendor_role_name(integration, stack.region),
        external_id=access.external_id,
        principals=access.principals,
        trusted_accounts=access.trust_accounts,
        source_ips=access.source_ips,
        session_tags=access.session_tags,
        max_session_duration=cdk.Duration.seconds(access.max_session_seconds),
        suspended=integration.state == "suspended",
    )
    acknowledge(
        role.role,
        "NIST.800.53.R5-IAMNoInlinePolicy",
        reason="The only inline policies are explicit denies (sensitive actions; everything while suspended); "
        "inline, they cannot be detached from the role without deleting it.",
    )
    for grant in access.grants:
        if grant.kind == "send":
            buffer = stack.buffers[grant.target]
            role.grant_send_messages(buffer.queue, buffer.key)
        elif grant.kind == "consume":
            buffer = stack.buffers[grant.target]
            role.grant_consume_messages(buffer.queue, buffer.key)
        else:
            drop_zone = getattr(stack, "drop_zone", None)
            if drop_zone is None:
                cdk.Annotations.of(role).add_warning_v2(
                    "airlock:grant-without-drop-zone",
                    f"put_objects under '{grant.target}' is not granted: this stack has no drop zone yet",
                )
                continue
            role.grant_put_objects(drop_zone.bucket, grant.target, drop_zone.key)
            _acknowledge_prefix(role, drop_zone.bucket, grant.target)
    cdk.CfnOutput(stack, "VendorRoleArn", value=role.role.role_arn, description="Hand this to the vendor")
    return role


def _acknowledge_prefix(role: VendorAccessRole, bucket: s3.IBucket, prefix: str) -> None:
    """Acknowledge the one wildcard of a put-objects grant: the object names under its prefix.

    The finding names the bucket as cdk-nag prints it: the literal ARN when the bucket is
    referenced by name (the drop zone), else ``<LogicalId.Arn>``.
    """
    if role.permissions is None:  # pragma: no cover - grants always create the permissions policy
        return
    arn = bucket.bucket_arn
    if cdk.Token.is_unresolved(arn):
        cfn_bucket = bucket.node.default_child
        if not isinstance(cfn_bucket, cdk.CfnElement):  # pragma: no cover
            return
        stack = cdk.Stack.of(cfn_bucket)
        arn = f"<{stack.resolve(stack.get_logical_id(cfn_bucket))}.Arn>"
    for policy in (role.permissions, role.boundary):
        acknowledge(
            policy,
            f"AwsSolutions-IAM5[Resource::{arn}/{prefix}*]",
            reason=f"Objects are named by the vendor at upload time; the grant is limited to the prefix '{prefix}'.",
        )


def _wire_core_consumers(stack: IntegrationStack, organization: Organization, integration: Integration) -> None:
    org_id = organization.organization_id
    if not integration.core_consumers or org_id is None:
        return
    for name, buffer in stack.buffers.items():
        roles = [consumer.role for consumer in integration.core_consumers if name in consumer.buffers]
        if roles:
            allow_core_consumers(buffer.queue, buffer.key, role_arns=roles, organization_id=org_id)
    # The consumers of the drop zone's events read the files the events name.
    zone, drop_zone = integration.drop_zone, getattr(stack, "drop_zone", None)
    if zone is not None and zone.notify_buffer is not None and drop_zone is not None:
        readers = [consumer.role for consumer in integration.core_consumers if zone.notify_buffer in consumer.buffers]
        if readers:
            drop_zone.allow_core_readers(readers, organization_id=org_id)
