"""The one way to acknowledge a compliance finding: next to the resource, with a reason."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

MIN_REASON = 20


def acknowledge(scope: IConstruct, rule: str, *, reason: str) -> None:
    """Acknowledge finding ``rule`` (e.g. ``AwsSolutions-IAM5[Action::kms:Decrypt*]``) on ``scope``.

    Findings of plugins whose rule ids do not start with the plugin's name are written with
    the plugin, e.g. ``CloudFormation-Validate::W3010``.

    The acknowledgement applies to ``scope`` and everything below it, is recorded in the
    cloud assembly and is listed with its reason in the validation report, so auditors see
    every exception. ``reason`` must say why the finding does not apply (>= 20 characters).
    """
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(
            f"reason {reason!r} for acknowledging {rule} is shorter than {MIN_REASON} characters; "
            "say why the finding does not apply here"
        )
    if "::" in rule:  # a plugin whose rule ids do not start with its name, e.g. 'CloudFormation-Validate::W3010'
        plugin, _, name = rule.partition("::")
        if not plugin or not name:
            raise ValueError(
                f"rule {rule!r} is not '<plugin>::<rule>'; write it as e.g. 'CloudFormation-Validate::W3010'"
            )
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason.strip()))
        return
    pack, sep, _ = rule.partition("-")
    if not sep or not pack:
        raise ValueError(f"rule {rule!r} has no pack prefix; write it as e.g. 'AwsSolutions-IAM5'")
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{pack}::{rule}", reason=reason.strip()))
