"""Flows of the core roles: consumers take what the vendor delivers, producers hand data to it.

A consumer receives from its buffers and reads (and deletes) the drop-zone files under its
prefixes; a producer sends to its buffers and writes files under its prefixes. Each is a chain
of the requests the core role makes, across accounts, with the KMS calls SQS and S3 make for it.
"""

from __future__ import annotations

from collections.abc import Iterator

from airlock import grants
from airlock.access.chains import core_principal, object_steps, queue_steps
from airlock.access.steps import Flow, Step, missing_step
from airlock.access.view import IntegrationView, RegionView
from airlock.spec.core_access import read_prefixes
from airlock.spec.errors import format_path
from airlock.spec.register import DataFlow


def core_consumer_steps(view: IntegrationView, region: RegionView, role: str, buffer: str) -> list[Step]:
    return queue_steps(view, region, core_principal(role), buffer, grants.CORE_CONSUME, who=role)


def core_producer_steps(view: IntegrationView, region: RegionView, role: str, buffer: str) -> list[Step]:
    return queue_steps(view, region, core_principal(role), buffer, grants.CORE_SEND, who=role)


def core_object_steps(view: IntegrationView, region: RegionView, role: str, kind: str, prefix: str) -> list[Step]:
    """A core role reads (``read_objects``), writes (``put_objects``) or deletes the files under ``prefix``."""
    return object_steps(view, region, core_principal(role), prefix, grants.CORE_GRANTS[kind], who=role)


def consumer_read_prefixes(view: IntegrationView, role: str) -> list[str]:
    """The prefixes the core consumer ``role`` reads (declared, or by default those of the notify buffer)."""
    zone = view.integration.drop_zone
    if zone is None:
        return []
    for consumer in view.integration.core_consumers:
        if consumer.role == role:
            return read_prefixes(consumer, zone.buffer_prefixes, zone.notify_buffer)
    return []


def core_flows(view: IntegrationView, region: RegionView, index: int, suffix: str) -> Iterator[Flow]:
    integration = view.integration
    name = integration.name
    for position, consumer in enumerate(integration.core_consumers):
        origin = format_path(("integrations", index, "core_consumers", position))
        for buffer in consumer.buffers:
            steps = core_consumer_steps(view, region, consumer.role, buffer)
            yield Flow(name, f"core consumer {consumer.role} reads {buffer}{suffix}", origin, tuple(steps))
        for prefix in consumer_read_prefixes(view, consumer.role):
            steps = core_object_steps(view, region, consumer.role, "read_objects", prefix)
            yield Flow(name, f"{consumer.role} reads the files under {prefix}{suffix}", origin, tuple(steps))
        for prefix in consumer.delete_objects:
            steps = core_object_steps(view, region, consumer.role, "delete_objects", prefix)
            yield Flow(name, f"{consumer.role} deletes the files under {prefix}{suffix}", origin, tuple(steps))
    for position, producer in enumerate(integration.core_producers):
        origin = format_path(("integrations", index, "core_producers", position))
        for buffer in producer.buffers:
            steps = core_producer_steps(view, region, producer.role, buffer)
            yield Flow(name, f"core producer {producer.role} sends to {buffer}{suffix}", origin, tuple(steps))
        for prefix in producer.put_objects:
            steps = core_object_steps(view, region, producer.role, "put_objects", prefix)
            yield Flow(name, f"{producer.role} writes files under {prefix}{suffix}", origin, tuple(steps))


def core_writes(view: IntegrationView, region: RegionView, flow: DataFlow) -> list[Step]:
    """The core hands the flow's data to the vendor: producers send to its buffer, or write files."""
    producers = view.integration.core_producers
    if flow.via == "drop-zone":
        writers = [(p.role, prefix) for p in producers for prefix in p.put_objects]
        if not writers:
            return [missing_step("the core writes files for the vendor", "no core producer writes into the drop zone")]
        return [s for role, prefix in writers for s in core_object_steps(view, region, role, "put_objects", prefix)]
    what = f"buffer '{flow.buffer}'" if flow.buffer else "a buffer"
    senders = [p.role for p in producers if flow.buffer is None or flow.buffer in p.buffers]
    buffers = {p.role: ([flow.buffer] if flow.buffer else list(p.buffers)) for p in producers}
    steps = [s for role in senders for buffer in buffers[role] for s in core_producer_steps(view, region, role, buffer)]
    if not steps:
        return [missing_step(f"the core writes to {what}", f"no core producer sends to {what} for the vendor")]
    return steps
