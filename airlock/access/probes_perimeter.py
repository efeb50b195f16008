"""Probes of the data perimeter: the resource control policies (RCPs) of an intermediate account.

* :func:`widened_policy_probes`: a principal of another organisation is denied the account's
  queues, bucket, keys and roles even where the resource's policy is replaced by one that allows
  everyone (``Principal: "*"``): only the RCP stands in the way, so the probe fails if it is gone;
* :func:`plain_http_probes`: the vendor's session without TLS is denied, again with the
  resource policy widened, so that the RCP's TLS deny is what decides;
* :func:`quarantine_rcp_probes`: with the quarantine RCP attached (and the quarantine SCP not),
  the vendor's principal can no longer assume its role, and neither it nor its session reaches
  any resource of the account, whatever the resource policies admit.

These run only while the spec keeps the RCPs on (``organization.perimeter``); an opt-out is
shown in the register instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airlock.access.chains import assume_steps, fas_context, session_of
from airlock.access.model import Policy, Principal, Source
from airlock.access.policy import parse_policy
from airlock.access.probes_common import OUTSIDER_ACCOUNT, probe
from airlock.access.steps import Probe, Step, iam_step
from airlock.access.view import IntegrationView, RegionView
from airlock.access.world import Resource, World

#: Name of the quarantine RCP the organization stack keeps (detached until a suspension).
QUARANTINE_RCP = "airlock-quarantine-rcp"

#: A resource policy that allows everyone everything: what a careless hand edit could leave.
EVERYONE: Policy = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
    Source("resource", name="a resource policy widened to Principal '*'"),
)

#: One call per resource type the perimeter covers, with the resource it is made on.
_CALLS: dict[str, tuple[str, str]] = {
    "AWS::SQS::Queue": ("sqs:ReceiveMessage", "{arn}"),
    "AWS::S3::Bucket": ("s3:GetObject", "{arn}/airlock-proof.csv"),
    "AWS::KMS::Key": ("kms:Decrypt", "{arn}"),
    "AWS::IAM::Role": ("sts:AssumeRole", "{arn}"),
    "AWS::SecretsManager::Secret": ("secretsmanager:GetSecretValue", "{arn}"),
}


def _enabled(world: World) -> bool:
    return world.spec.organization.perimeter.resource_control_policies


def _covered(world: World, region: RegionView) -> list[tuple[Resource, str, str]]:
    """(resource, action, target) for each resource of the account in ``region`` the perimeter covers."""
    out = []
    for resource in world.resources:
        call = _CALLS.get(resource.type)
        if call is None or not resource.arn or resource.account != region.account:
            continue
        if resource.region not in (region.region, ""):
            continue
        action, target = call
        out.append((resource, action, target.format(arn=resource.arn)))
    return sorted(out, key=lambda item: item[2])


def _extra(action: str, region: RegionView) -> dict[str, Any] | None:
    return fas_context("sqs", region.region) if action.startswith("kms:") else None


def widened_policy_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """Another organisation's principal, against resource policies that allow everyone."""
    world = view.world
    if not _enabled(world):
        return
    intruder = Principal.role(f"arn:aws:iam::{OUTSIDER_ACCOUNT}:role/intruder", session="intruder")
    for resource, action, target in _covered(world, region):
        step = iam_step(
            world,
            f"{intruder.arn} calls {action} on {target} (its policy widened to Principal '*')",
            intruder,
            action,
            target,
            region=region.region,
            extra=_extra(action, region),
            resource_policy=EVERYONE,
        )
        yield probe(
            view, f"widened policy: another organization calls {action} on {resource.logical_id}", "the RCP", step
        )


def plain_http_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """The vendor's session without TLS, against resource policies that allow everyone."""
    world = view.world
    if not _enabled(world):
        return
    for principal in view.vendor_principals()[:1]:
        _, role = assume_steps(view, region, principal)
        if role is None:
            continue
        session = session_of(role)
        for resource, action, target in _covered(world, region):
            if resource.type == "AWS::IAM::Role":
                continue
            step = iam_step(
                world,
                f"the vendor's session calls {action} on {target} without TLS",
                session,
                action,
                target,
                region=region.region,
                extra={**(_extra(action, region) or {}), "aws:SecureTransport": False},
                resource_policy=EVERYONE,
            )
            yield probe(view, f"without TLS: {action} on {resource.logical_id}", "the RCP's TLS deny", step)


def _quarantine(world: World) -> Policy | None:
    found = world.organization.detached.get("rcp", {}).get(QUARANTINE_RCP)
    if found is not None:
        return found
    for policies in world.organization.attachments.values():
        for policy in policies:
            if policy.source.name == QUARANTINE_RCP:
                return policy
    return None


def _assume_context(step: Step) -> dict[str, Any]:
    return {key: values[0] if len(values) == 1 else list(values) for key, values in step.detail["context"].items()}


def quarantine_rcp_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """With only the quarantine RCP attached, the vendor is denied on every resource of the account."""
    world = view.world
    quarantine = _quarantine(world)
    if not _enabled(world) or quarantine is None or view.integration.access is None:
        return
    organization = world.organization.with_attached(region.account, [quarantine])
    for principal in view.vendor_principals()[:1]:
        steps, role = assume_steps(view, region, principal)
        if role is None:
            continue
        context = _assume_context(steps[0])
        step = iam_step(
            world,
            f"{principal.arn} assumes its role with the quarantine RCP attached",
            principal,
            "sts:AssumeRole",
            role.arn,
            extra=context,
            organization=organization,
        )
        yield probe(view, "quarantined (RCP): the vendor assumes its role", "the kill switch", step)
        session = session_of(role)
        for resource, action, target in _covered(world, region):
            for who, name in ((principal, "the vendor"), (session, "the vendor's session")):
                if who is session and resource.type == "AWS::IAM::Role":
                    continue
                step = iam_step(
                    world,
                    f"{name} calls {action} on {target} with the quarantine RCP attached",
                    who,
                    action,
                    target,
                    region=region.region,
                    extra={**(_extra(action, region) or {}), "aws:SourceIp": view.source_address()},
                    organization=organization,
                    resource_policy=EVERYONE,
                )
                yield probe(
                    view, f"quarantined (RCP): {name} calls {action} on {resource.logical_id}", "the kill switch", step
                )


PERIMETER_PROBES = (widened_policy_probes, plain_http_probes, quarantine_rcp_probes)
