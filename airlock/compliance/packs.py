"""Validation plugins attached to every airlock app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import aws_cdk as cdk
import cdk_nag
from constructs import Construct

from airlock.compliance.by_rule import RuleAcknowledgements
from airlock.compliance.control_tower import PLUGIN_NAME as CONTROL_TOWER_PLUGIN


def _control_tower(_app: Construct) -> cdk.IPolicyValidationPlugin:
    from airlock.compliance.control_tower import ControlTowerChecks

    # jsii's implements() decorator keeps the class's own type; the instance is the interface.
    return cast(cdk.IPolicyValidationPlugin, ControlTowerChecks())


def _airlock(app: Construct) -> cdk.IPolicyValidationPlugin:
    from airlock.compliance.airlock_checks import AirlockChecks

    return AirlockChecks(app)


#: Every pack by the name a spec uses; AwsSolutions and Airlock always run.
PACKS: dict[str, Callable[[Construct], cdk.IPolicyValidationPlugin]] = {
    "AwsSolutions": cdk_nag.AwsSolutionsChecks,
    "Airlock": _airlock,
    "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
    "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
    "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
    "ControlTower": _control_tower,
}
ALWAYS_ON: tuple[str, ...] = ("AwsSolutions", "Airlock")
#: What a spec selects when it says nothing (see airlock.spec.compliance).
DEFAULT_PACKS: tuple[str, ...] = ("NIST.800.53.R5", "ControlTower")
#: The name each pack's plugin reports under in the validation report.
PLUGIN_NAMES = {name: name for name in PACKS} | {"ControlTower": CONTROL_TOWER_PLUGIN}


def selected_packs(packs: Sequence[str] = DEFAULT_PACKS) -> tuple[str, ...]:
    """The packs that run for a selection: the always-on ones first, each once."""
    unknown = sorted(set(packs) - set(PACKS))
    if unknown:
        raise ValueError(f"unknown compliance packs {unknown}; choose from {sorted(PACKS)}")
    return tuple(dict.fromkeys((*ALWAYS_ON, *packs)))


def attach_packs(app: Construct, packs: Sequence[str] = DEFAULT_PACKS) -> tuple[str, ...]:
    """Attach AwsSolutions, AirlockChecks and the named packs to ``app``; return the names attached.

    Any unacknowledged finding of any of them fails synthesis. A rule acknowledged by its id
    (``AwsSolutions-IAM5``) covers its evidence-specific findings (``AwsSolutions-IAM5[...]``)
    on that construct and below (:mod:`airlock.compliance.by_rule`).
    """
    names = selected_packs(packs)
    cdk.Validations.of(app).add_plugins(*(RuleAcknowledgements(PACKS[name](app), app) for name in names))
    return names
