"""Translate an integration's access declarations into the vendor role, its grants and the core roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from airlock.compliance import acknowledge
from airlock.constructs import VendorAccessRole, allow_core_consumers, allow_core_producers
from airlock.constructs.drop_zone import CoreAccess
from airlock.spec import Integration, Organization
from airlock.spec.access import Grant
from airlock.spec.core_access import read_prefixes
from airlock.spec.placement import home_region
from airlock.spec.vendors import external_id_of

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
    """Add the vendor role and its grants (if declared) and the core roles' statements."""
    _wire_core(stack, organization, integration)
    access = integration.access
    if access is None:
        return None
    external_id = external_id_of(organization, integration)
    assert external_id is not None  # the spec refuses an access block without one
    role = VendorAccessRole(
        stack,
        "VendorAccess",
        role_name=vendor_role_name(integration, stack.region),
        external_id=external_id,
        principals=access.principals,
        trusted_accounts=access.trusted_account_ids,
        self_assume=access.self_assume,
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
    if access.whole_accounts:
        # A reviewed choice: the spec records why each account is trusted as a whole.
        reasons = "; ".join(f"{entry.account_id}: {entry.reason}" for entry in access.whole_accounts)
        cdk.Annotations.of(role).acknowledge_warning("airlock:vendor-whole-account", reasons)
    acknowledged: set[str] = set()
    for grant in access.grants:
        _grant(stack, role, grant, acknowledged)
    cdk.CfnOutput(stack, "VendorRoleArn", value=role.role.role_arn, description="Hand this to the vendor")
    return role


def _grant(stack: IntegrationStack, role: VendorAccessRole, grant: Grant, acknowledged: set[str]) -> None:
    if grant.kind in ("send", "consume"):
        buffer = stack.buffers[grant.target]
        if grant.kind == "send":
            role.grant_send_messages(buffer.queue, buffer.key)
        else:
            role.grant_consume_messages(buffer.queue, buffer.key)
        return
    if grant.kind == "monitoring":
        role.grant_monitoring(grant.target)
        return
    drop_zone = stack.drop_zone
    if drop_zone is None:
        cdk.Annotations.of(role).add_warning_v2(
            "airlock:grant-without-drop-zone",
            f"{grant.kind} under '{grant.target}' is not granted: this stack has no drop zone yet",
        )
        return
    if grant.kind == "put_objects":
        drop_zone.grant_put_objects(role, grant.target, acl=grant.acl)
    elif grant.kind == "read_objects":
        drop_zone.grant_read_objects(role, grant.target)
    else:
        drop_zone.grant_delete_objects(role, grant.target)
    if grant.target not in acknowledged:
        acknowledged.add(grant.target)
        _acknowledge_prefix(role, drop_zone.bucket, grant.target)


def _acknowledge_prefix(role: VendorAccessRole, bucket: s3.IBucket, prefix: str) -> None:
    """Acknowledge the one wildcard of an object grant: the object names under its prefix.

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
            reason=f"Objects are named by their writer; the grant is limited to the prefix '{prefix}'.",
        )


def _wire_core(stack: IntegrationStack, organization: Organization, integration: Integration) -> None:
    """The queue, bucket and key policy statements that admit the core consumers and producers."""
    org_id = organization.organization_id
    if org_id is None or not (integration.core_consumers or integration.core_producers):
        return
    for name, buffer in stack.buffers.items():
        consumers = [c.role for c in integration.core_consumers if name in c.buffers]
        if consumers:
            allow_core_consumers(buffer.queue, buffer.key, role_arns=consumers, organization_id=org_id)
        producers = [p.role for p in integration.core_producers if name in p.buffers]
        if producers:
            allow_core_producers(buffer.queue, buffer.key, role_arns=producers, organization_id=org_id)
    zone, drop_zone = integration.drop_zone, stack.drop_zone
    if zone is None or drop_zone is None:
        return
    wanted: dict[tuple[CoreAccess, tuple[str, ...]], list[str]] = {}
    for consumer in integration.core_consumers:
        read = tuple(read_prefixes(consumer, zone.buffer_prefixes, zone.notify_buffer))
        if read:
            wanted.setdefault(("read", read), []).append(consumer.role)
        if consumer.delete_objects:
            wanted.setdefault(("delete", tuple(consumer.delete_objects)), []).append(consumer.role)
    for producer in integration.core_producers:
        if producer.put_objects:
            wanted.setdefault(("write", tuple(producer.put_objects)), []).append(producer.role)
    for (access, prefixes), roles in wanted.items():
        drop_zone.allow_core_access(roles, organization_id=org_id, access=access, prefixes=prefixes)
