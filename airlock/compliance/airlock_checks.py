"""AirlockChecks: the project's own cdk-nag v3 pack, encoding the intermediate-account architecture.

The pack walks the construct tree like every cdk-nag pack. For each L1 resource it reads the
resource as synthesized (the template the CDK wrote before running validation plugins, so
tags from aspects and resolved references are in it) and applies the pure rule functions of
:mod:`airlock.compliance.rules`. Findings are ``Airlock-<RuleId>``; acknowledge them with
:func:`airlock.compliance.acknowledge` like any other pack's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
import cdk_nag
import jsii
from constructs import IConstruct

from airlock import __version__
from airlock.compliance.declare import declarations_of, declared_by
from airlock.compliance.rules import NON_COMPLIANT, RULES, Outcome, Resource, Rule

PACK_NAME = "Airlock"

_NAG = {
    Outcome.COMPLIANT: cdk_nag.NagRuleCompliance.COMPLIANT,
    Outcome.NON_COMPLIANT: cdk_nag.NagRuleCompliance.NON_COMPLIANT,
    Outcome.NOT_APPLICABLE: cdk_nag.NagRuleCompliance.NOT_APPLICABLE,
}


@jsii.implements(cdk_nag.IApplyRule)
class _Applied:
    """One rule applied to one resource, in the shape cdk-nag's ``applyRule`` takes."""

    def __init__(self, rule: Rule, node: cdk.CfnResource, outcome: Outcome) -> None:
        self._rule = rule
        self._node = node
        self._outcome = outcome

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.id

    @property
    def info(self) -> str:
        return self._rule.info

    @property
    def explanation(self) -> str:
        return self._rule.explanation

    @property
    def level(self) -> cdk_nag.NagMessageLevel:
        return cdk_nag.NagMessageLevel.ERROR

    @property
    def node(self) -> cdk.CfnResource:
        return self._node

    def rule(self, node: cdk.CfnResource) -> cdk_nag.NagRuleCompliance:
        return _NAG[self._outcome]


class AirlockChecks(cdk_nag.NagPack):
    """The intermediate-account architecture as cdk-nag rules (see ``docs/compliance.md``).

    Register it like any v3 pack: ``Validations.of(app).add_plugins(AirlockChecks(app))``.
    """

    def __init__(self, scope: IConstruct | None = None, *, verbose: bool | None = None) -> None:
        super().__init__(scope, verbose=verbose)
        self._pack_name = PACK_NAME
        self._reset()

    def _reset(self) -> None:
        # Everything below is looked up once per validation: each lookup is a round trip to jsii.
        self._templates: dict[str, tuple[int, dict[str, Any]]] = {}
        self._stacks: dict[int, tuple[cdk.Stack, str, str | None]] = {}
        self._tag_properties: dict[str, str | None] = {}
        self._declared: dict[int, tuple[IConstruct, dict[str, Any]]] = {}

    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def version(self) -> str:
        return __version__

    @property
    def rule_ids(self) -> list[str]:
        return [f"{PACK_NAME}-{rule_id}" for rule_id in RULES]

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        self._reset()  # the app may have changed since the last validation
        return super().validate(context)

    def _check_resource(self, node: cdk.CfnResource) -> None:
        resource = self._resource(node)
        if resource is None:
            return
        for rule in RULES.values():
            try:
                outcome = rule(resource)
            except Exception:  # a rule that cannot decide reports the resource, never passes it silently
                outcome = NON_COMPLIANT
            # cdk-nag records nothing for a compliant resource: only findings go back to it.
            if outcome is Outcome.NON_COMPLIANT:
                # _Applied implements the jsii interface IApplyRule structurally.
                self._apply_rule(_Applied(rule, node, outcome))  # type: ignore[arg-type]

    def _template(self, path: str) -> Mapping[str, Any]:
        mtime = Path(path).stat().st_mtime_ns
        cached = self._templates.get(path)
        if cached is None or cached[0] != mtime:
            cached = (mtime, json.loads(Path(path).read_text(encoding="utf-8")))
            self._templates[path] = cached
        return cached[1]

    def _stack(self, node: cdk.CfnResource) -> tuple[cdk.Stack, str, str | None]:
        """The resource's stack, its template file and its account (None unless a literal)."""
        stack = cdk.Stack.of(node)
        cached = self._stacks.get(id(stack))
        if cached is None:
            stage = cdk.Stage.of(stack)
            if stage is None:
                raise ValueError(f"stack {stack.node.path} is not in an App or Stage; add it to one before synthesis")
            account = stack.account
            cached = (
                stack,
                os.path.join(stage.outdir, stack.template_file),
                account if not cdk.Token.is_unresolved(account) else None,
            )
            self._stacks[id(stack)] = cached
        return cached

    def _tag_property(self, node: cdk.CfnResource) -> str | None:
        """The template's name of the property that carries tags, per resource type."""
        type_ = node.cfn_resource_type
        if type_ not in self._tag_properties:
            tag_property = None
            if cdk.TagManager.is_taggable(node):
                tag_property = cast(cdk.ITaggable, node).tags.tag_property_name
            elif cdk.TagManager.is_taggable_v2(node):
                tag_property = cast(cdk.ITaggableV2, node).cdk_tag_manager.tag_property_name
            if tag_property:  # the CDK's name of the property ("tags"); the template's is capitalized
                tag_property = tag_property[0].upper() + tag_property[1:]
            self._tag_properties[type_] = tag_property
        return self._tag_properties[type_]

    def _declared_by(self, construct: IConstruct) -> Mapping[str, Any]:
        """One construct's own declarations, its metadata read once per validation."""
        cached = self._declared.get(id(construct))
        if cached is None:  # the construct is kept with its entry, so its id is not reused
            cached = (construct, declared_by(construct))
            self._declared[id(construct)] = cached
        return cached[1]

    def _resource(self, node: cdk.CfnResource) -> Resource | None:
        stack, template_path, account = self._stack(node)
        template = self._template(template_path)
        logical_id = stack.resolve(stack.get_logical_id(node))
        if logical_id not in template.get("Resources", {}):
            return None  # removed by a condition or an override: nothing deployed to check
        return Resource.from_template(
            template,
            logical_id,
            account=account,
            tag_property=self._tag_property(node),
            declarations=declarations_of(node, own=self._declared_by),
            path=node.node.path,
        )
