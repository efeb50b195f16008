"""Probes of event delivery: EventBridge may put events on a buffer only for its partner event source's rule."""

from __future__ import annotations

from collections.abc import Iterator

from airlock.access.flows_events import EVENTS
from airlock.access.model import Principal
from airlock.access.probes_common import OUTSIDER_ACCOUNT, probe
from airlock.access.steps import Probe, iam_step
from airlock.access.view import IntegrationView, RegionView
from airlock.spec.events_checks import event_rule_name, source_region


def partner_event_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """EventBridge may deliver into a buffer only for the rule of its partner event source."""
    integration = view.integration
    for position, source in enumerate(integration.event_sources):
        queue = region.queue(source.buffer)
        if source_region(integration, position) != region.region or queue is None or queue.arn is None:
            continue
        events = Principal.service(EVENTS)
        others = (
            ("another rule of the account", region.account, "rule/default/airlock-proof-other-rule"),
            ("a rule of another account", OUTSIDER_ACCOUNT, f"rule/{source.name}/{event_rule_name(source.buffer)}"),
        )
        for what, account, path in others:
            context = {
                "aws:SourceArn": f"arn:aws:events:{region.region}:{account}:{path}",
                "aws:SourceAccount": account,
            }
            step = iam_step(
                view.world,
                f"EventBridge sends to {source.buffer} for {what}",
                events,
                "sqs:SendMessage",
                queue.arn,
                extra=context,
            )
            yield probe(
                view,
                f"EventBridge delivers to {source.buffer} for {what}",
                "only the rule of the partner event source may put events on the buffer (aws:SourceArn)",
                step,
            )
