"""Flows that must work: every declaration of an integration as a chain of allowed steps.

For each integration with an account: the vendor assumes its role (with its external id,
from a declared source address, with its session tags) and uses each grant; core consumers
read their buffers; a drop zone announces each file on its buffer and the buffer's consumers
read the file; alarms reach their topic; the VPC resolves and reaches the vendor's endpoints,
the AWS service endpoints and the allowed domains; filtered egress passes the allowed
domains; the vendor reaches the exposed APIs. ``data_flows`` are the chains of the
capabilities they name, end to end.
"""

from __future__ import annotations

from collections.abc import Iterator

from airlock import grants
from airlock.access.chains import (
    assume_steps,
    monitoring_steps,
    object_steps,
    queue_steps,
    roles_for,
    self_assume_steps,
    session_of,
    vendor_context,
)
from airlock.access.flows_core import (
    consumer_read_prefixes,
    core_consumer_steps,
    core_flows,
    core_object_steps,
    core_writes,
)
from airlock.access.flows_endpoints import endpoint_flows
from airlock.access.flows_events import event_flows, partner_event_steps, vendor_notification_steps
from airlock.access.flows_network import network_flows
from airlock.access.flows_webhook import webhook_flows, webhook_steps
from airlock.access.model import Principal
from airlock.access.steps import Flow, Step, iam_step, missing_step
from airlock.access.view import IntegrationView, RegionView
from airlock.access.world import World
from airlock.spec import Integration
from airlock.spec.errors import format_path
from airlock.spec.events_checks import source_region
from airlock.spec.register import DataFlow
from airlock.spec.register_checks import flow_buffer


def _origin(index: int, *rest: str | int) -> str:
    return format_path(("integrations", index, *rest))


def vendor_grant_steps(view: IntegrationView, region: RegionView, principal: Principal, grant_index: int) -> list[Step]:
    """The vendor assumes its role, then uses grant ``grant_index`` in ``region``."""
    access = view.integration.access
    assert access is not None
    grant = access.grants[grant_index]
    steps, role = assume_steps(view, region, principal)
    if role is None:
        return steps
    session, who = session_of(role), f"the vendor's session of {role.name}"
    caller = vendor_context(view)
    if grant.kind == "monitoring":
        return steps + monitoring_steps(view, region, session, grants.MONITORING[grant.target], who=who, caller=caller)
    actions = grants.grant_actions(grant.kind, grant.acl)
    if grant.kind in ("send", "consume"):
        steps += queue_steps(view, region, session, grant.target, actions, who=who, caller=caller)
    else:
        steps += object_steps(view, region, session, grant.target, actions, who=who, caller=caller)
    return steps


def self_assume_flow_steps(view: IntegrationView, region: RegionView, principal: Principal) -> list[Step]:
    """The vendor assumes its role, then the session assumes the role again (credential validation)."""
    steps, role = assume_steps(view, region, principal)
    return steps if role is None else steps + self_assume_steps(view, region, role)


def drop_zone_event_steps(view: IntegrationView, region: RegionView) -> list[Step]:
    """S3 sends the ``s3:ObjectCreated`` event to the notify buffer (and encrypts it with the queue's key)."""
    zone = view.integration.drop_zone
    assert zone is not None and zone.notify_buffer is not None
    bucket, queue = region.bucket(), region.queue(zone.notify_buffer)
    if bucket is None or queue is None or queue.arn is None or bucket.arn is None:
        return [missing_step("S3 notifies the buffer", "the drop-zone bucket or its notify buffer is missing")]
    world = view.world
    s3 = Principal.service("s3.amazonaws.com")
    source = {"aws:SourceArn": bucket.arn, "aws:SourceAccount": region.account}
    steps = [iam_step(world, "S3 sends the object-created event", s3, "sqs:SendMessage", queue.arn, extra=source)]
    key = region.queue_key(queue)
    if key is None:
        return steps
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        steps.append(iam_step(world, f"S3 calls {action} on the buffer's key", s3, action, key, extra=source))
    return steps


def drop_zone_read_steps(view: IntegrationView, region: RegionView, role: str, prefix: str) -> list[Step]:
    """A consumer of the notify buffer reads the file the event names."""
    return core_object_steps(view, region, role, "read_objects", prefix)


def alarm_steps(view: IntegrationView, region: RegionView) -> list[Step]:
    """CloudWatch publishes an alarm to the integration's topic (and encrypts with its key)."""
    topic = region.topic()
    if topic is None or topic.arn is None:
        return [missing_step("CloudWatch notifies the alarm topic", f"no alarm topic in {region.stack}")]
    world = view.world
    cloudwatch = Principal.service("cloudwatch.amazonaws.com")
    source = {
        "aws:SourceArn": f"arn:aws:cloudwatch:{region.region}:{region.account}:alarm:airlock-proof",
        "aws:SourceAccount": region.account,
    }
    steps = [iam_step(world, "CloudWatch publishes an alarm", cloudwatch, "sns:Publish", topic.arn, extra=source)]
    key = region.topic_key(topic)
    if key is not None:
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            steps.append(
                iam_step(world, f"CloudWatch calls {action} on the topic's key", cloudwatch, action, key, extra=source)
            )
    return steps


def access_flows(view: IntegrationView, index: int) -> Iterator[Flow]:
    integration = view.integration
    name = integration.name
    access = integration.access
    for region in view.regions:
        suffix = f" ({region.region})" if len(view.regions) > 1 else ""
        if access is not None:
            for principal in view.vendor_principals():
                steps, _ = assume_steps(view, region, principal)
                yield Flow(
                    name, f"vendor assumes its role as {principal.arn}{suffix}", _origin(index, "access"), tuple(steps)
                )
                if access.self_assume:
                    yield Flow(
                        name,
                        f"the role assumes itself for {principal.arn}{suffix}",
                        _origin(index, "access", "self_assume"),
                        tuple(self_assume_flow_steps(view, region, principal)),
                    )
                for position, grant in enumerate(access.grants):
                    yield Flow(
                        name,
                        f"vendor grant {grant.kind} {grant.target}{suffix}",
                        _origin(index, "access", "grants", position),
                        tuple(vendor_grant_steps(view, region, principal, position)),
                    )
        yield from core_flows(view, region, index, suffix)
        yield from webhook_flows(view, region, index, suffix)
        yield from event_flows(view, region, index, suffix)
        zone = integration.drop_zone
        if zone is not None and zone.notify_buffer is not None:
            yield Flow(
                name,
                f"drop zone announces files on {zone.notify_buffer}{suffix}",
                _origin(index, "drop_zone", "notify_buffer"),
                tuple(drop_zone_event_steps(view, region)),
            )
        yield Flow(
            name, f"alarms reach the topic{suffix}", _origin(index, "observability"), tuple(alarm_steps(view, region))
        )


def _vendor_writes(view: IntegrationView, region: RegionView, flow: DataFlow) -> list[Step]:
    """The vendor puts the flow's data into the intermediate account."""
    if flow.via == "webhook":
        hooks = [w for w in view.integration.webhooks if flow.buffer is None or w.buffer == flow.buffer]
        if not hooks:
            return [missing_step(f"the vendor pushes ({flow.name})", "no webhook delivers into the flow's buffer")]
        return [step for webhook in hooks for step in webhook_steps(view, region, webhook)]
    if flow.via == "event-source":
        return _vendor_publishes(view, region, flow)
    access = view.integration.access
    principals = view.vendor_principals()[:1]
    kinds = ("send",) if flow.via == "role" else ("put_objects",)
    if access is None or not principals:
        return [missing_step(f"the vendor writes ({flow.name})", "the integration declares no vendor access")]
    chosen = [
        position
        for position, grant in enumerate(access.grants)
        if grant.kind in kinds and (flow.via != "role" or flow.buffer is None or grant.target == flow.buffer)
    ]
    if not chosen:
        target = f"to buffer '{flow.buffer}'" if flow.via == "role" and flow.buffer else "into the drop zone"
        held = ", ".join(f"{g.kind} {g.target}" for g in access.grants) or "none"
        return [
            missing_step(f"the vendor writes {target}", f"no grant lets the vendor write {target} (it holds: {held})")
        ]
    return [step for position in chosen for step in vendor_grant_steps(view, region, principals[0], position)]


def _vendor_publishes(view: IntegrationView, region: RegionView, flow: DataFlow) -> list[Step]:
    """The vendor's partner event source delivers the flow's events into its buffer."""
    integration = view.integration
    buffer = flow_buffer(integration, flow.name)
    chosen = [
        position
        for position, source in enumerate(integration.event_sources)
        if source.buffer == buffer and source_region(integration, position) == region.region
    ]
    if not chosen:
        return [missing_step(f"the vendor publishes ({flow.name})", f"no event source delivers to '{buffer}' here")]
    return [step for position in chosen for step in partner_event_steps(view, region, position)]


def _vendor_notified(view: IntegrationView, region: RegionView, flow: DataFlow) -> list[Step]:
    """For files the core writes, S3 tells the vendor's own queue or topic (the vendor then reads them)."""
    zone = view.integration.drop_zone
    if flow.via != "drop-zone" or zone is None:
        return []
    written = [prefix for producer in view.integration.core_producers for prefix in producer.put_objects]
    return [
        step
        for position, target in enumerate(zone.notify_vendor)
        if target.region == region.region
        and any(p.startswith(w) or w.startswith(p) for p in target.prefixes for w in written)
        for step in vendor_notification_steps(view, region, position)
    ]


def _vendor_reads(view: IntegrationView, region: RegionView, flow: DataFlow) -> list[Step]:
    """The vendor takes the flow's data out of the intermediate account: consumes its buffer, or reads
    the files the core producers write."""
    access = view.integration.access
    principals = view.vendor_principals()[:1]
    if access is None or not principals:
        return [missing_step(f"the vendor reads ({flow.name})", "the integration declares no vendor access")]
    if flow.via == "drop-zone":
        written = [prefix for producer in view.integration.core_producers for prefix in producer.put_objects]
        chosen = [
            position
            for position, grant in enumerate(access.grants)
            if grant.kind == "read_objects"
            and any(grant.target.startswith(p) or p.startswith(grant.target) for p in written)
        ]
        what = f"the files written under {written}" if written else "the drop zone's files"
    else:
        chosen = [
            position
            for position, grant in enumerate(access.grants)
            if grant.kind == "consume" and (flow.buffer is None or grant.target == flow.buffer)
        ]
        what = f"buffer '{flow.buffer}'" if flow.buffer else "the flow's data"
    if flow.via == "privatelink" or not chosen:
        return [missing_step(f"the vendor reads {what}", f"no grant lets the vendor read {what}")]
    return [step for position in chosen for step in vendor_grant_steps(view, region, principals[0], position)]


def _core_reads(view: IntegrationView, region: RegionView, flow: DataFlow) -> list[Step]:
    integration = view.integration
    zone = integration.drop_zone
    buffer = flow_buffer(integration, flow.name)
    if buffer is None and flow.via == "drop-zone":
        readers = [(c.role, p) for c in integration.core_consumers for p in consumer_read_prefixes(view, c.role)]
        if not readers:
            return [missing_step("the core reads the files", "no core consumer reads the drop zone's files")]
        return [step for role, prefix in readers for step in drop_zone_read_steps(view, region, role, prefix)]
    if buffer is None:
        return [missing_step(f"the core reads ({flow.name})", "the flow names no buffer the core could consume")]
    roles = roles_for(view, [buffer])
    if not roles:
        return [missing_step(f"the core reads buffer '{buffer}'", f"no core consumer reads buffer '{buffer}'")]
    steps: list[Step] = []
    if flow.via == "drop-zone" and zone is not None and zone.notify_buffer == buffer:
        steps += drop_zone_event_steps(view, region)
    for role in roles:
        steps += core_consumer_steps(view, region, role, buffer)
        if flow.via == "drop-zone":
            for prefix in consumer_read_prefixes(view, role):
                steps += drop_zone_read_steps(view, region, role, prefix)
    return steps


def data_flow_steps(view: IntegrationView, region: RegionView, flow_index: int) -> list[Step]:
    """The end-to-end chain a data flow names: who writes and who reads follows its direction."""
    flow = view.integration.data_flows[flow_index]
    steps: list[Step] = []
    if flow.via == "privatelink":
        wanted = {"inbound": ("exposed API",), "outbound": ("vendor endpoint",)}.get(
            flow.direction, ("exposed API", "vendor endpoint")
        )
        found = [f for f in network_flows(view, region, 0) if f.name.startswith(wanted)]
        for network_flow in found:
            steps += network_flow.steps
        if not found:
            what = "an exposed API" if wanted == ("exposed API",) else "a vendor endpoint"
            steps.append(missing_step(f"data flow {flow.name}", f"a {flow.direction} PrivateLink flow needs {what}"))
        return steps
    monitoring = _monitoring_grants(view)
    if flow.via == "role" and flow.direction == "outbound" and flow.buffer is None and monitoring:
        # What the vendor reads is the account's own telemetry (metrics, alarms, tags): AWS writes it.
        principals = view.vendor_principals()[:1]
        return [s for p in principals for position in monitoring for s in vendor_grant_steps(view, region, p, position)]
    if flow.direction in ("inbound", "bidirectional"):
        steps += _vendor_writes(view, region, flow) + _core_reads(view, region, flow)
    if flow.direction in ("outbound", "bidirectional"):
        steps += (
            core_writes(view, region, flow) + _vendor_notified(view, region, flow) + _vendor_reads(view, region, flow)
        )
    return steps


def _monitoring_grants(view: IntegrationView) -> list[int]:
    access = view.integration.access
    return [i for i, grant in enumerate(access.grants) if grant.kind == "monitoring"] if access else []


def integration_flows(world: World, integration: Integration, index: int) -> list[Flow]:
    view = IntegrationView(world, integration)
    if view.account is None:
        return []
    flows = list(access_flows(view, index))
    for region in view.regions:
        flows += network_flows(view, region, index)
        flows += endpoint_flows(view, region, index)
        for position, flow in enumerate(integration.data_flows):
            suffix = f" ({region.region})" if len(view.regions) > 1 else ""
            flows.append(
                Flow(
                    integration.name,
                    f"data flow {flow.name}{suffix}",
                    _origin(index, "data_flows", position),
                    tuple(data_flow_steps(view, region, position)),
                )
            )
    return flows


def all_flows(world: World, names: set[str] | None = None) -> list[Flow]:
    """Every flow of every integration (or of ``names``) that has an account."""
    out = []
    for index, integration in enumerate(world.spec.integrations):
        if names is None or integration.name in names:
            out += integration_flows(world, integration, index)
    return out
