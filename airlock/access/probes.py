"""Requests that must be denied: a catalogue of misuses, one small function each.

Each probe function takes an integration (and its region) and yields the requests of one
misuse; :data:`PROBES` lists them in order, and a new misuse is one more function there.
Probes that need a principal inside the intermediate account use an administrator of that
account (its own policies allow everything), so that only the guardrails stand in the way.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from airlock import grants
from airlock.access.chains import assume_steps, fas_context, session_of
from airlock.access.flows_endpoints import ENDPOINT_PROBES
from airlock.access.flows_webhook import webhook_probes
from airlock.access.model import Policy, Principal
from airlock.access.probes_common import (
    ADMIN_IDENTITY,
    OUTSIDER_ACCOUNT,
    ProbeFunction,
    admin,
    admin_step,
    probe,
)
from airlock.access.probes_events import partner_event_probes
from airlock.access.probes_grants import monitoring_probes, prefix_probes, self_assume_probes
from airlock.access.probes_network import NETWORK_PROBES
from airlock.access.probes_perimeter import PERIMETER_PROBES
from airlock.access.steps import Probe, Step, iam_step
from airlock.access.view import IntegrationView, RegionView
from airlock.access.world import World
from airlock.spec.access import Grant

__all__ = ["ADMIN_IDENTITY", "OUTSIDER_ACCOUNT", "PROBES", "ProbeFunction", "admin", "all_probes", "integration_probes"]

_TEST_ADDRESSES = ("192.0.2.200", "198.51.100.200", "203.0.113.200", "2001:db8::200")


def _assume(view: IntegrationView, region: RegionView, **overrides: Any) -> Iterator[Step]:
    """The vendor's AssumeRole with ``overrides`` in its context (None removes a key)."""
    for principal in view.vendor_principals():
        steps, role = assume_steps(view, region, principal)
        if role is None:
            continue
        original = steps[0]
        extra = {
            key: values[0] if len(values) == 1 else list(values) for key, values in original.detail["context"].items()
        }
        extra.update(overrides)
        yield iam_step(view.world, original.title, principal, "sts:AssumeRole", role.arn, extra=extra)


def external_id_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    for step in _assume(view, region, **{"sts:ExternalId": None}):
        yield probe(view, "assume role without the external id", "the confused-deputy guard", step)
    for step in _assume(view, region, **{"sts:ExternalId": "not-the-external-id-0000"}):
        yield probe(view, "assume role with a wrong external id", "the confused-deputy guard", step)


def outside_address(view: IntegrationView) -> str | None:
    access = view.integration.access
    if access is None or not access.source_ips:
        return None
    ranges = [ipaddress.ip_network(cidr) for cidr in access.source_ips]
    for address in _TEST_ADDRESSES:
        ip = ipaddress.ip_address(address)
        if not any(ip.version == net.version and ip in net for net in ranges):
            return address
    return None


def source_ip_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    address = outside_address(view)
    access = view.integration.access
    if address is None or access is None:
        return
    for step in _assume(view, region, **{"aws:SourceIp": address}):
        yield probe(view, f"assume role from {address}", "outside the vendor's declared source ranges", step)
    for principal in view.vendor_principals()[:1]:
        _, role = assume_steps(view, region, principal)
        if role is None:
            continue
        for position, grant in enumerate(access.grants):
            for action, target, extra in _grant_requests(region, grant)[:1]:
                step = iam_step(
                    view.world,
                    f"the vendor's session calls {action} from {address}",
                    session_of(role),
                    action,
                    target,
                    region=region.region,
                    extra={**extra, "aws:SourceIp": address},
                )
                yield probe(view, f"use grant {position} from {address}", "a session must keep the source ranges", step)


def _grant_requests(region: RegionView, grant: Grant) -> list[tuple[str, str, dict[str, Any]]]:
    """The requests (action, resource, context) that use ``grant``'s main actions."""
    if grant.kind == "monitoring":
        return [(action, "*", {}) for action in grants.MONITORING[grant.target].unscoped]
    actions = grants.grant_actions(grant.kind, grant.acl)
    if grant.kind in ("send", "consume"):
        queue = region.queue(grant.target)
        return [(a, queue.arn, {}) for a in actions.resource] if queue is not None and queue.arn else []
    bucket = region.bucket()
    if bucket is None or bucket.arn is None:
        return []
    obj = f"{bucket.arn}/{grant.target}airlock-proof.csv"
    return [(a, obj, dict(actions.required)) for a in actions.resource]


#: Calls a foreign session tries on a resource it reaches, by resource type.
_CROSS_ACTIONS: dict[str, tuple[str, ...]] = {
    "AWS::SQS::Queue": ("sqs:SendMessage", "sqs:ReceiveMessage"),
    "AWS::S3::Bucket": ("s3:PutObject", "s3:GetObject"),
    "AWS::KMS::Key": ("kms:Decrypt", "kms:GenerateDataKey"),
    "AWS::SNS::Topic": ("sns:Publish", "sns:Subscribe"),
}


def _neighbours(world: World, name: str) -> list[Any]:
    names = [i.name for i in world.spec.integrations]
    position = names.index(name)
    picked = {names[(position - 1) % len(names)], names[(position + 1) % len(names)]} - {name}
    return [i for i in world.spec.integrations if i.name in picked]


def cross_integration_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """The vendor's session reaches another integration's buffers, drop zone and keys.

    Across accounts a request needs a resource policy that admits the caller, so every resource
    whose policy could name the session (its role, its account, or everyone) is probed, and
    besides them every resource of the neighbouring integrations in the spec, as a sample that
    exercises the deny. Any other resource of another account is denied without a request.
    """
    world = view.world
    principals = view.vendor_principals()[:1]
    if not principals:
        return
    _, role = assume_steps(view, region, principals[0])
    if role is None:
        return
    session = session_of(role)
    targets: dict[str, Any] = {}
    for arn, _policy in world.admitting(session):
        resource = world.resource_of(arn)
        if resource is not None and resource.integration not in (None, view.integration.name):
            targets[arn] = resource
    for other in _neighbours(world, view.integration.name):
        for other_region in IntegrationView(world, other).regions:
            for resource in world.resources:
                if resource.stack == other_region.stack and resource.type in _CROSS_ACTIONS and resource.arn:
                    targets[resource.arn] = resource
    for arn, resource in sorted(targets.items()):
        target = arn
        if resource.type == "AWS::S3::Bucket":
            spec = world.spec.integration(resource.integration)
            target = f"{arn}/{spec.drop_zone.prefixes[0] if spec.drop_zone else ''}x.csv"
        for action in _CROSS_ACTIONS.get(resource.type, ()):
            extra = fas_context(action.split(":")[0], resource.region) if action.startswith("kms:") else None
            step = iam_step(
                world, f"the vendor's session calls {action} on {target}", session, action, target, extra=extra
            )
            yield probe(
                view, f"{action} on {resource.integration}'s {resource.logical_id}", "another integration", step
            )


def quarantine_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """With the kill switch thrown, the vendor's session can use none of its grants."""
    world = view.world
    quarantine = world.organization.detached.get("scp", {}).get("airlock-quarantine") or _attached_quarantine(world)
    access = view.integration.access
    if quarantine is None or access is None:
        return
    organization = world.organization.with_attached(region.account, [quarantine])
    for principal in view.vendor_principals()[:1]:
        _, role = assume_steps(view, region, principal)
        if role is None:
            continue
        for position, grant in enumerate(access.grants):
            for action, target, extra in _grant_requests(region, grant):
                step = iam_step(
                    world,
                    f"the quarantined vendor's session calls {action}",
                    session_of(role),
                    action,
                    target,
                    region=region.region,
                    extra={**extra, "aws:SourceIp": view.source_address()},
                    organization=organization,
                )
                yield probe(view, f"quarantined: grant {position} {action}", "the kill switch", step)


def _attached_quarantine(world: World) -> Policy | None:
    for policies in world.organization.attachments.values():
        for policy in policies:
            if policy.source.name == "airlock-quarantine":
                return policy
    return None


def foreign_principal_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """A principal of another organization reaches the buffers, files and keys."""
    intruder = Principal.role(f"arn:aws:iam::{OUTSIDER_ACCOUNT}:role/intruder", session="intruder")
    world = view.world
    for buffer in view.integration.buffers:
        queue = region.queue(buffer.name)
        if queue is None or queue.arn is None:
            continue
        step = iam_step(world, f"{intruder.arn} receives from {queue.arn}", intruder, "sqs:ReceiveMessage", queue.arn)
        yield probe(view, f"another organization reads buffer {buffer.name}", "the organization boundary", step)
        key = region.queue_key(queue)
        if key is not None:
            step = iam_step(
                world,
                f"{intruder.arn} decrypts with {key}",
                intruder,
                "kms:Decrypt",
                key,
                extra=fas_context("sqs", region.region),
            )
            yield probe(view, f"another organization uses the key of {buffer.name}", "the organization boundary", step)
    bucket = region.bucket()
    if bucket is not None and bucket.arn is not None and view.integration.drop_zone is not None:
        obj = f"{bucket.arn}/{view.integration.drop_zone.prefixes[0]}x.csv"
        step = iam_step(world, f"{intruder.arn} reads {obj}", intruder, "s3:GetObject", obj)
        yield probe(view, "another organization reads the drop zone", "the organization boundary", step)


def _concrete(pattern: str, account: str, name: str) -> str:
    """A role ARN an administrator could create that matches an exemption ``pattern``."""
    arn = pattern.replace("::*:", f"::{account}:", 1)
    return arn.replace("*", name)


def exemption_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """Roles named like a guardrail exemption cannot be made or changed by the account's administrators."""
    org = view.world.spec.organization
    account = region.account
    targets = [
        _concrete(org.deployment_role_pattern, account, "escape"),
        _concrete(org.deployment_role_pattern, account, f"cfn-exec-role-{account}-{region.region}"),
        _concrete(org.break_glass_role, account, "escape"),
        f"arn:aws:iam::{account}:role/stacksets-exec-escape",
    ]
    for arn in dict.fromkeys(targets):
        for action in ("iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePolicy"):
            yield probe(
                view,
                f"{action} on {arn.rsplit('/', 1)[-1]}",
                "a role with an exempt name escapes every guardrail",
                admin_step(view, region, action, arn),
            )
    deployment = targets[1]
    yield probe(
        view,
        f"iam:PassRole on {deployment.rsplit('/', 1)[-1]}",
        "passing the deployment role to a service deploys with its exemption",
        admin_step(view, region, "iam:PassRole", deployment, **{"iam:PassedToService": "cloudformation.amazonaws.com"}),
    )


def guardrail_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """Leaving the organization, blinding the logs, opening network paths."""
    account, name = region.account, region.region
    cases: list[tuple[str, str, str]] = [
        ("organizations:LeaveOrganization", "*", "leave the organization"),
        ("ec2:DeleteFlowLogs", f"arn:aws:ec2:{name}:{account}:vpc-flow-log/fl-0", "delete the flow logs"),
        ("cloudtrail:StopLogging", f"arn:aws:cloudtrail:{name}:{account}:trail/organization-trail", "stop the trail"),
        ("cloudtrail:DeleteTrail", f"arn:aws:cloudtrail:{name}:{account}:trail/organization-trail", "delete the trail"),
        ("ec2:CreateVpcPeeringConnection", f"arn:aws:ec2:{name}:{account}:vpc/vpc-0", "peer the VPC"),
        (
            "ec2:CreateTransitGatewayVpcAttachment",
            f"arn:aws:ec2:{name}:{account}:vpc/vpc-0",
            "attach a transit gateway",
        ),
    ]
    if view.integration.network is None or view.integration.network.egress is None:
        cases.append(("ec2:CreateInternetGateway", "*", "create an internet gateway without declared egress"))
        cases.append(
            (
                "ec2:AttachInternetGateway",
                f"arn:aws:ec2:{name}:{account}:internet-gateway/igw-0",
                "attach an internet gateway without declared egress",
            )
        )
        cases.append(
            (
                "ec2:CreateVpcBlockPublicAccessExclusion",
                f"arn:aws:ec2:{name}:{account}:vpc/vpc-0",
                "exclude the VPC from Block Public Access without declared egress",
            )
        )
    for action, resource, what in cases:
        yield probe(view, what, "a guardrail", admin_step(view, region, action, resource))


PROBES: tuple[ProbeFunction, ...] = (
    external_id_probes,
    source_ip_probes,
    cross_integration_probes,
    prefix_probes,
    self_assume_probes,
    monitoring_probes,
    quarantine_probes,
    foreign_principal_probes,
    exemption_probes,
    guardrail_probes,
    webhook_probes,
    partner_event_probes,
    *NETWORK_PROBES,
    *PERIMETER_PROBES,
    *ENDPOINT_PROBES,
)


def integration_probes(world: World, integration: Any) -> list[Probe]:
    view = IntegrationView(world, integration)
    out: list[Probe] = []
    for region in view.regions:
        if region.stack is None:
            continue
        for function in PROBES:
            out += function(view, region)
    return out


def all_probes(world: World, names: set[str] | None = None) -> list[Probe]:
    out = []
    for integration in world.spec.integrations:
        if names is None or integration.name in names:
            out += integration_probes(world, integration)
    return out
