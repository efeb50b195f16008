"""Acknowledging a rule by its id covers the rule's evidence-specific findings on that construct.

cdk-nag reports some rules once per piece of evidence: ``AwsSolutions-IAM5[Action::s3:*]`` and
``AwsSolutions-IAM5[Resource::*]`` are two findings, and the CDK matches an acknowledgement to
a finding by its exact id. :class:`RuleAcknowledgements` wraps a validation plugin: after the
plugin has run, every finding ``Rule[evidence]`` on a construct below one that acknowledged
``Rule`` itself gets an acknowledgement of its exact id on that same construct, with the same
reason. The CDK then records each finding as acknowledged, reason and all, one by one; the
report joins them to the owner and ticket of the rule-id acknowledgement.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct


def namespace_of(plugin_name: str) -> str:
    """The prefix of a plugin's acknowledgement ids (``AwsSolutions``, ``CloudFormation-Validate``)."""
    return "Annotation" if plugin_name == "Construct Annotations" else plugin_name.replace(" ", "-")


def _find(root: IConstruct, path: str) -> IConstruct | None:
    node: IConstruct | None = root
    for part in path.split("/") if path else ():
        if node is None:
            return None
        node = node.node.try_find_child(part)
    return node


def _acknowledged_at(construct: IConstruct, ack_id: str) -> tuple[IConstruct, str] | None:
    """The nearest construct at or above ``construct`` that acknowledged ``ack_id``, and its reason."""
    current: IConstruct | None = construct
    while current is not None:
        for entry in current.node.metadata:
            data = entry.data if entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY else None
            if isinstance(data, dict) and ack_id in data:
                return current, str(data[ack_id])
        current = current.node.scope
    return None


def extend_acknowledgements(root: IConstruct, plugin_name: str, violations: Any) -> int:
    """Acknowledge each evidence-specific finding covered by a rule-id acknowledgement; return how many."""
    namespace = namespace_of(plugin_name)
    added: set[tuple[str, str]] = set()
    for violation in violations or ():
        rule = violation.rule_name
        base, bracket, _ = rule.partition("[")
        if not bracket:
            continue
        for resource in violation.violating_resources or ():
            construct = _find(root, resource.construct_path or "")
            found = _acknowledged_at(construct, f"{namespace}::{base}") if construct is not None else None
            if found is None:
                continue
            scope, reason = found
            key = (scope.node.path, rule)
            if key not in added:
                added.add(key)
                cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{namespace}::{rule}", reason=reason))
    return len(added)


@jsii.implements(cdk.IPolicyValidationPlugin)
class RuleAcknowledgements:
    """A validation plugin that runs ``plugin`` and extends rule-id acknowledgements (see the module)."""

    def __init__(self, plugin: cdk.IPolicyValidationPlugin, root: IConstruct) -> None:
        self._plugin = plugin
        self._root = root

    @property
    def name(self) -> str:
        return self._plugin.name

    @property
    def version(self) -> str | None:
        return self._plugin.version

    @property
    def rule_ids(self) -> list[str] | None:
        return self._plugin.rule_ids

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        report = self._plugin.validate(context)
        extend_acknowledgements(self._root, self._plugin.name, report.violations)
        return report
