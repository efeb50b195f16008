"""Request chains of the access declarations: the vendor's role and grants, core consumers, files.

Each function returns the steps AWS authorizes, in order, for one declared capability; the
flows of :mod:`airlock.access.flows` put them together. Calls that a service makes on the
caller's behalf (SQS and S3 using the caller's KMS permissions, a forward access session)
carry ``kms:ViaService`` and ``aws:ViaAWSService``, and the address the target sees is the
service's, not the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase as fnmatch
from typing import Any

from airlock.access.model import Principal
from airlock.access.steps import Step, iam_step, missing_step
from airlock.access.view import IntegrationView, RegionView
from airlock.access.world import Resource, Role
from airlock.grants import GrantActions, MonitoringActions

#: The address a target service sees on a request another AWS service makes for the caller.
AWS_SERVICE_ADDRESS = "52.94.133.1"


def vendor_context(view: IntegrationView) -> dict[str, Any]:
    """What the vendor's own calls carry: its egress address."""
    return {"aws:SourceIp": view.source_address()}


def assume_steps(view: IntegrationView, region: RegionView, principal: Principal) -> tuple[list[Step], Role | None]:
    """The vendor's ``sts:AssumeRole`` (and ``sts:TagSession``) into its role in ``region``."""
    access = view.integration.access
    assert access is not None
    roles = region.vendor_roles(principal)
    title = f"{principal.arn} assumes its role in {region.account} ({region.region})"
    if not roles:
        return [missing_step(title, f"no role in {region.stack or region.account} trusts {principal.arn}")], None
    role = roles[0]
    extra: dict[str, Any] = {**vendor_context(view), "sts:ExternalId": view.external_id()}
    for key, value in sorted(access.session_tags.items()):
        extra[f"aws:RequestTag/{key}"] = value
    if access.session_tags:
        extra["aws:TagKeys"] = sorted(access.session_tags)
    world = view.world
    steps = [
        iam_step(world, f"{principal.arn} assumes {role.name}", principal, "sts:AssumeRole", role.arn, extra=extra)
    ]
    if access.session_tags:
        steps.append(
            iam_step(world, f"{principal.arn} tags its session", principal, "sts:TagSession", role.arn, extra=extra)
        )
    return steps, role


def session_of(role: Role) -> Principal:
    return Principal.role(role.arn, session="vendor")


def fas_context(service: str, region: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Context of a KMS call a service makes with the caller's permissions (a forward access session)."""
    return {
        "kms:ViaService": f"{service}.{region}.amazonaws.com",
        "aws:ViaAWSService": True,
        "aws:SourceIp": AWS_SERVICE_ADDRESS,
        **(extra or {}),
    }


def resource_steps(
    view: IntegrationView,
    region: RegionView,
    principal: Principal,
    actions: GrantActions,
    resource: str,
    key: str | None,
    *,
    who: str,
    caller: dict[str, Any] | None = None,
    encryption_context: dict[str, Any] | None = None,
) -> list[Step]:
    """``actions`` on ``resource`` by ``principal``, and the key actions the service makes for it."""
    world = view.world
    steps = [
        iam_step(world, f"{who} calls {action} on {resource}", principal, action, resource, extra=caller)
        for action in actions.resource
    ]
    if actions.key and actions.via is not None:
        if key is None:
            steps.append(missing_step(f"{who} uses the key of {resource}", f"{resource} names no KMS key"))
        else:
            context = fas_context(actions.via, region.region, encryption_context)
            steps += [
                iam_step(world, f"{actions.via} calls {action} for {who}", principal, action, key, extra=context)
                for action in actions.key
            ]
    return steps


def queue_steps(
    view: IntegrationView,
    region: RegionView,
    principal: Principal,
    buffer: str,
    actions: GrantActions,
    *,
    who: str,
    caller: dict[str, Any] | None = None,
) -> list[Step]:
    queue = region.queue(buffer)
    if queue is None or queue.arn is None:
        return [missing_step(f"{who} reaches buffer {buffer}", f"no queue of buffer '{buffer}' in {region.stack}")]
    key = region.queue_key(queue)
    context = {"kms:EncryptionContext:aws:sqs:arn": queue.arn}
    return resource_steps(
        view, region, principal, actions, queue.arn, key, who=who, caller=caller, encryption_context=context
    )


def object_steps(
    view: IntegrationView,
    region: RegionView,
    principal: Principal,
    prefix: str,
    actions: GrantActions,
    *,
    who: str,
    caller: dict[str, Any] | None = None,
) -> list[Step]:
    """``actions`` on the drop zone under ``prefix``: list the prefix and locate the bucket, then the
    object actions (with the request context the grant requires, e.g. ``s3:x-amz-acl``) and the key."""
    bucket = region.bucket()
    if bucket is None or bucket.arn is None:
        return [missing_step(f"{who} reaches the drop zone", f"no drop-zone bucket in {region.stack}")]
    world = view.world
    steps = [
        iam_step(
            world,
            f"{who} lists {prefix} ({action})",
            principal,
            action,
            bucket.arn,
            extra={**(caller or {}), "s3:prefix": prefix},
        )
        for action in actions.listing
    ]
    steps += [
        iam_step(world, f"{who} calls {action} on {bucket.arn}", principal, action, bucket.arn, extra=caller)
        for action in actions.bucket
    ]
    key = region.bucket_key(bucket)
    obj = f"{bucket.arn}/{prefix}airlock-proof.csv"  # effective.SAMPLE_OBJECT
    # With an S3 Bucket Key the encryption context is the bucket's ARN.
    context = {"kms:EncryptionContext:aws:s3:arn": bucket.arn}
    sent = {**(caller or {}), **dict(actions.required)}
    return steps + resource_steps(
        view, region, principal, actions, obj, key, who=who, caller=sent, encryption_context=context
    )


def monitoring_steps(
    view: IntegrationView,
    region: RegionView,
    principal: Principal,
    actions: MonitoringActions,
    *,
    who: str,
    caller: dict[str, Any] | None = None,
) -> list[Step]:
    """Each monitoring call: those without resource-level permissions on ``*``, the others on the
    first resource of the integration's stack in ``region`` that their grant names (none: no call)."""
    world = view.world
    steps = [
        iam_step(world, f"{who} calls {action}", principal, action, "*", region=region.region, extra=caller)
        for action in actions.unscoped
    ]
    patterns = actions.resources("aws", region.region, region.account)
    for action, pattern in patterns.items():
        target = next(
            (r.arn for r in world.resources if r.arn and _in_view(region, r) and fnmatch(r.arn, pattern)), None
        )
        if target is not None:
            steps.append(iam_step(world, f"{who} calls {action} on {target}", principal, action, target, extra=caller))
    return steps


def _in_view(region: RegionView, resource: Resource) -> bool:
    return (
        resource.account == region.account
        and resource.stack is not None
        and (resource.integration == region.integration.name)
    )


def self_assume_steps(view: IntegrationView, region: RegionView, role: Role) -> list[Step]:
    """The vendor's session of ``role`` assumes ``role`` again, with the external ID."""
    extra = {**vendor_context(view), "sts:ExternalId": view.external_id()}
    session = session_of(role)
    return [
        iam_step(
            view.world,
            f"the vendor's session assumes {role.name} again",
            session,
            "sts:AssumeRole",
            role.arn,
            extra=extra,
        )
    ]


def core_principal(role_arn: str) -> Principal:
    return Principal.role(role_arn, session="core")


def roles_for(view: IntegrationView, buffers: Sequence[str]) -> list[str]:
    """Core consumer roles of any of ``buffers``."""
    return [c.role for c in view.integration.core_consumers if set(c.buffers) & set(buffers)]
