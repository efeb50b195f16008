"""Flows of event delivery from a vendor: partner events into a buffer, drop-zone events to the vendor.

A partner event source's events reach the buffer in four decisions: the partner event bus of
the source's name exists (EventBridge delivers a partner event source's events to the event bus
associated with it, "the name of the partner event bus must match the name of the partner
event source", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-saas.html; the
vendor's own PutPartnerEvents call is authorized by AWS's partner integration, not by a policy
of the account); a rule on that bus matches the source's events and targets the buffer's queue
without a role ("for targets that use resource-based policies ... do not specify RoleArn",
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html); EventBridge
(``events.amazonaws.com``) sends the message with ``aws:SourceArn`` = the rule's ARN and
``aws:SourceAccount`` = the account; SQS calls the queue's key for it.

A vendor notification is S3 (``s3.amazonaws.com``) sending the ``s3:ObjectCreated`` event to a
queue or topic in the vendor's own account, with ``aws:SourceArn`` = the bucket and
``aws:SourceAccount`` = the account. The destination's policy is the vendor's, outside the
landing zone: the proof takes it as admitting the bucket (the vendor's setup guide has it do so)
and checks only the landing zone's side: the bucket's notification configuration names the
destination for each prefix, and no RCP, SCP or endpoint policy stands in the way (RCPs govern
resources of the organisation's accounts only, SCPs govern principals of its accounts and never
service principals, and S3 delivers notifications from its own network, through no VPC endpoint).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from airlock.access.model import Decision, Policy, Principal, Source, Verdict
from airlock.access.policy import parse_policy
from airlock.access.steps import Flow, Step, fixed_step, iam_step, missing_step
from airlock.access.view import IntegrationView, RegionView
from airlock.access.world import Resource, unresolved
from airlock.spec.errors import format_path
from airlock.spec.events_checks import source_region

EVENTS = "events.amazonaws.com"
S3 = "s3.amazonaws.com"
_CREATED = "s3:ObjectCreated:*"


def _given(decision: Decision) -> Decision:
    return decision


def _property(region: RegionView, resource: Resource, name: str) -> Any:
    return region.world.resolvers[resource.stack].property({"Properties": resource.properties}, name)


def _source(kind: Any, resource: Resource) -> Source:
    return Source(kind, resource.template, resource.logical_id)


def partner_bus(region: RegionView, name: str) -> Resource | None:
    """The partner event bus of ``name`` in the region's stack: ``Name`` and ``EventSourceName`` both ``name``."""
    for bus in region.resources("AWS::Events::EventBus"):
        if _property(region, bus, "Name") == name and _property(region, bus, "EventSourceName") == name:
            return bus
    return None


def _bus_step(region: RegionView, name: str) -> tuple[Step, Resource | None]:
    title = f"the partner event source {name} delivers to its partner event bus"
    bus = partner_bus(region, name)
    if bus is None:
        why = f"no event bus in {region.stack} is associated with {name} (Name and EventSourceName = {name})"
        return missing_step(title, why), None
    decision = Decision(
        Verdict.ALLOW,
        f"allowed: the partner event bus {bus.logical_id} is associated with {name}; EventBridge delivers the "
        "source's events to it (no policy of the account decides it)",
        (_source("event-bus", bus),),
    )
    detail = {"event_source": name, "event_bus": name, "resource": bus.logical_id}
    return fixed_step(title, "events", detail, functools.partial(_given, decision)), bus


def _rule_decision(region: RegionView, rule: Resource, pattern: Mapping[str, Any], queue_arn: str) -> Decision:
    source = (_source("event-rule", rule),)
    state = _property(region, rule, "State")
    found = _property(region, rule, "EventPattern")
    targets = _property(region, rule, "Targets") or []
    if unresolved(found) or unresolved(targets) or unresolved(state):
        return Decision(Verdict.UNDECIDED, "undecided: the rule's pattern, state or targets do not resolve", source)
    if state not in (None, "ENABLED"):
        return Decision(Verdict.DENY, f"denied: the rule is {state}, not ENABLED", source)
    if found != dict(pattern):
        return Decision(
            Verdict.DENY, f"denied: the rule matches {found}, not the declared pattern {dict(pattern)}", source
        )
    aimed = [t for t in targets if isinstance(t, Mapping) and t.get("Arn") == queue_arn]
    if not aimed:
        return Decision(Verdict.DENY, f"denied: no target of the rule is {queue_arn}", source)
    if any("RoleArn" in t for t in aimed):
        return Decision(
            Verdict.DENY,
            "denied: the queue target names a RoleArn; EventBridge delivers to SQS with the queue policy, and a "
            "role can make delivery fail",
            source,
        )
    return Decision(Verdict.ALLOW, f"allowed: the rule matches {dict(pattern)} and targets {queue_arn}", source)


def partner_event_steps(view: IntegrationView, region: RegionView, position: int) -> list[Step]:
    """The vendor's events travel from its partner event source through the bus and rule into the buffer."""
    declared = view.integration.event_sources[position]
    bus_step, bus = _bus_step(region, declared.name)
    steps = [bus_step]
    if bus is None:
        return steps
    queue = region.queue(declared.buffer)
    if queue is None or queue.arn is None:
        return [*steps, missing_step("EventBridge delivers to the buffer", f"no queue of buffer '{declared.buffer}'")]
    world = region.world
    title = f"a rule on {declared.name} matches its events and targets buffer {declared.buffer}"
    rules = [r for r in region.resources("AWS::Events::Rule") if _property(region, r, "EventBusName") == declared.name]
    decisions = [_rule_decision(region, rule, declared.pattern(), queue.arn) for rule in rules]
    decision = next((d for d in decisions if d.allowed), decisions[0] if decisions else None)
    if decision is None:
        return [*steps, missing_step(title, f"no rule on the event bus {declared.name}")]
    rule = rules[decisions.index(decision)]
    detail = {"event_bus": declared.name, "rule": rule.logical_id, "resource": queue.arn}
    steps.append(fixed_step(title, "events", detail, functools.partial(_given, decision)))
    rule_arn = world.resolvers[rule.stack].attribute(rule.logical_id, "Arn")
    if not isinstance(rule_arn, str):
        return [*steps, missing_step("EventBridge sends to the buffer", "the rule's ARN does not resolve")]
    events = Principal.service(EVENTS)
    context = {"aws:SourceArn": rule_arn, "aws:SourceAccount": region.account}
    steps.append(
        iam_step(
            world, "EventBridge sends the event to the buffer", events, "sqs:SendMessage", queue.arn, extra=context
        )
    )
    key = region.queue_key(queue)
    for action in ("kms:GenerateDataKey", "kms:Decrypt") if key else ():
        assert key is not None
        steps.append(
            iam_step(world, f"EventBridge calls {action} on the buffer's key", events, action, key, extra=context)
        )
    return steps


def _configured(region: RegionView, bucket: Resource, arn: str, prefix: str) -> bool:
    """Whether the bucket's notification configuration sends ``s3:ObjectCreated:*`` under ``prefix`` to ``arn``."""
    configuration = _property(region, bucket, "NotificationConfiguration") or {}
    kind = "QueueConfigurations" if arn.split(":")[2] == "sqs" else "TopicConfigurations"
    field = "Queue" if kind == "QueueConfigurations" else "Topic"
    for entry in configuration.get(kind) or []:
        rules = (((entry or {}).get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        prefixes = [r.get("Value") for r in rules if isinstance(r, Mapping) and r.get("Name") in ("prefix", "Prefix")]
        if entry.get(field) == arn and entry.get("Event") == _CREATED and prefixes == [prefix]:
            return True
    return False


def vendor_policy(arn: str, bucket_arn: str, account: str) -> Policy:
    """The vendor's destination policy as the proof takes it: admitting S3 for this bucket only."""
    action = "sqs:SendMessage" if arn.split(":")[2] == "sqs" else "sns:Publish"
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": S3},
                "Action": action,
                "Resource": arn,
                "Condition": {"ArnLike": {"aws:SourceArn": bucket_arn}, "StringEquals": {"aws:SourceAccount": account}},
            }
        ],
    }
    name = "the vendor's own policy (outside the landing zone; taken to admit this bucket, as its setup guide has it)"
    return parse_policy(document, Source("resource", name=name))


def vendor_notification_steps(view: IntegrationView, region: RegionView, position: int) -> list[Step]:
    """S3 announces each new object under the target's prefixes to the vendor's queue or topic."""
    zone = view.integration.drop_zone
    assert zone is not None
    target = zone.notify_vendor[position]
    bucket = region.bucket()
    if bucket is None or bucket.arn is None:
        return [missing_step(f"S3 notifies {target.arn}", "the drop-zone bucket is missing")]
    steps: list[Step] = []
    for prefix in target.prefixes:
        title = f"the bucket's notification configuration sends new objects under {prefix} to {target.arn}"
        found = _configured(region, bucket, target.arn, prefix)
        decision = Decision(
            Verdict.ALLOW if found else Verdict.DENY,
            f"{'allowed' if found else 'denied'}: {_CREATED} under {prefix} "
            f"{'is' if found else 'is not'} configured for {target.arn}",
            (_source("notification", bucket),),
        )
        detail = {"resource": bucket.arn, "destination": target.arn, "prefix": prefix}
        steps.append(fixed_step(title, "notification", detail, functools.partial(_given, decision)))
    action = "sqs:SendMessage" if target.service == "sqs" else "sns:Publish"
    steps.append(
        iam_step(
            region.world,
            f"S3 sends the object-created event to the vendor's {'queue' if target.service == 'sqs' else 'topic'} "
            "(its policy is the vendor's; no RCP, SCP or endpoint policy of the landing zone may stop it)",
            Principal.service(S3),
            action,
            target.arn,
            extra={"aws:SourceArn": bucket.arn, "aws:SourceAccount": region.account},
            resource_policy=vendor_policy(target.arn, bucket.arn, region.account),
        )
    )
    return steps


def event_flows(view: IntegrationView, region: RegionView, index: int, suffix: str) -> Iterator[Flow]:
    integration = view.integration
    for position, source in enumerate(integration.event_sources):
        if source_region(integration, position) != region.region:
            continue
        yield Flow(
            integration.name,
            f"partner events of {source.name} reach {source.buffer}{suffix}",
            format_path(("integrations", index, "event_sources", position)),
            tuple(partner_event_steps(view, region, position)),
        )
    zone = integration.drop_zone
    for position, target in enumerate(zone.notify_vendor if zone else ()):
        if target.region != region.region:
            continue
        yield Flow(
            integration.name,
            f"drop zone announces files to the vendor's {target.arn}{suffix}",
            format_path(("integrations", index, "drop_zone", "notify_vendor", position)),
            tuple(vendor_notification_steps(view, region, position)),
        )
