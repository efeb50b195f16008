"""Events a vendor publishes through Amazon EventBridge, delivered into a buffer.

A SaaS partner of EventBridge (Salesforce Event Relay, for one) creates a *partner event
source* in the customer's account; the customer associates it with a *partner event bus* of
the same name ("the name of the partner event bus must match the name of the partner event
source", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-saas.html), and a rule on
that bus sends the matching events to a target.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from airlock.constructs._stack import partition_of

__all__ = ["PARTNER_SOURCE_NAME", "PartnerEventDelivery"]

#: CreatePartnerEventSource ``Name`` (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreatePartnerEventSource.html).
PARTNER_SOURCE_NAME = re.compile(r"^aws\.partner(/[.\-_A-Za-z0-9]+){2,}$")
_RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
_EVENTS = "events.amazonaws.com"


class PartnerEventDelivery(Construct):
    """A partner event bus for a partner event source, and a rule that delivers its events to a queue.

    Least privilege without being asked: the rule always matches ``source`` = the partner event
    source (its events carry the source's name), the queue policy admits
    ``events.amazonaws.com`` to ``sqs:SendMessage`` only with ``aws:SourceArn`` = this rule and
    ``aws:SourceAccount`` = this account (the confused-deputy guard of
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions),
    and, for a queue with a customer-managed key, the key policy admits EventBridge to
    ``kms:GenerateDataKey`` and ``kms:Decrypt`` under the same conditions (what an encrypted
    queue needs, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-troubleshooting.html#eb-sqs-encrypted).
    The target has no role: "for targets that use resource-based policies ... do not specify
    RoleArn".

    The partner event source must exist (the vendor creates it, pending) before the bus is
    deployed.

    :param event_source_name: the partner event source, ``aws.partner/<partner>/...``; the bus
        gets the same name.
    :param queue: the queue the events go to (a standard queue; its own stack's queue, so that
        its policy can be extended).
    :param event_pattern: further fields the rule matches (not ``source``). Default: every event
        of the source.
    :param rule_name: physical name of the rule, known before deployment so that the key policy
        names the rule without a reference cycle (key -> queue -> rule). Default: ``airlock-deliver``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        event_source_name: str,
        queue: sqs.IQueue,
        event_pattern: Mapping[str, Any] | None = None,
        rule_name: str = "airlock-deliver",
    ) -> None:
        super().__init__(scope, id)
        if not PARTNER_SOURCE_NAME.match(event_source_name) or len(event_source_name) > 256:
            raise ValueError(
                f"event_source_name '{event_source_name}' is not a partner event source name; write it as the "
                "vendor shows it, e.g. 'aws.partner/salesforce.com/00Dxx0000001gEREAY/0YLxx0000000001GAA'"
            )
        if not _RULE_NAME.match(rule_name):
            raise ValueError(f"rule_name '{rule_name}' is not a rule name; use 1-64 of letters, digits and '._-'")
        if event_pattern is not None and "source" in event_pattern:
            raise ValueError("event_pattern names 'source'; the rule always matches the partner event source")
        if queue.fifo:
            raise ValueError("queue is a FIFO queue; deliver partner events to a standard queue")
        stack = cdk.Stack.of(self)
        self.event_source_name = event_source_name
        self.queue = queue
        #: The rule's event pattern as deployed.
        self.event_pattern: dict[str, Any] = {"source": [event_source_name], **dict(event_pattern or {})}
        #: The partner event bus (``AWS::Events::EventBus`` with ``EventSourceName``).
        self.event_bus = events.CfnEventBus(self, "Bus", name=event_source_name, event_source_name=event_source_name)
        self.rule_name = rule_name
        #: The rule's ARN, literal: ``rule/<bus name>/<rule name>`` for a rule on a custom bus.
        self.rule_arn = (
            f"arn:{partition_of(stack)}:events:{stack.region}:{stack.account}:rule/{event_source_name}/{rule_name}"
        )
        self.rule = events.CfnRule(
            self,
            "Rule",
            name=rule_name,
            event_bus_name=event_source_name,
            description=f"Delivers the events of {event_source_name} to a buffer",
            event_pattern=self.event_pattern,
            state="ENABLED",
            targets=[events.CfnRule.TargetProperty(arn=queue.queue_arn, id="Buffer")],
        )
        self.rule.node.add_dependency(self.event_bus)
        conditions = {
            "ArnEquals": {"aws:SourceArn": self.rule_arn},
            "StringEquals": {"aws:SourceAccount": stack.account},
        }
        added = queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"AllowPartnerEvents{_sid(rule_name, event_source_name)}",
                principals=[iam.ServicePrincipal(_EVENTS)],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions=conditions,
            )
        )
        if not added.statement_added:
            raise ValueError("queue is imported, so its queue policy cannot admit EventBridge; pass the queue itself")
        key = queue.encryption_master_key
        if key is not None:
            granted = key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"AllowPartnerEventsToEncryptedQueue{_sid(rule_name, event_source_name)}",
                    principals=[iam.ServicePrincipal(_EVENTS)],
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=["*"],
                    conditions=conditions,
                )
            )
            if not granted.statement_added:
                raise ValueError(
                    "the queue's key is imported, so its key policy cannot admit EventBridge; use a key of this stack"
                )
        policy = queue.node.try_find_child("Policy")
        if policy is not None:
            self.rule.node.add_dependency(policy)

    def metric_matched_events(self, **props: object) -> cloudwatch.Metric:
        """Events of the source the rule matched (MatchedEvents). Default: sum over 5 minutes."""
        return self._metric("MatchedEvents", **props)

    def metric_failed_invocations(self, **props: object) -> cloudwatch.Metric:
        """Deliveries to the queue that failed for good (FailedInvocations). Default: sum over 5 minutes."""
        return self._metric("FailedInvocations", **props)

    def _metric(self, name: str, **props: object) -> cloudwatch.Metric:
        defaults: dict[str, object] = {"statistic": "Sum", "period": cdk.Duration.minutes(5)}
        return cloudwatch.Metric(
            namespace="AWS/Events",
            metric_name=name,
            dimensions_map={"EventBusName": self.event_source_name, "RuleName": self.rule_name},
            **{**defaults, **props},  # type: ignore[arg-type]
        )


def _sid(rule_name: str, source: str) -> str:
    """A statement id unique per source on one queue (Sids are alphanumeric)."""
    return hashlib.sha256(f"{source}/{rule_name}".encode()).hexdigest()[:8].upper()
