"""Validation plugins attached to every airlock app."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
import cdk_nag
from constructs import Construct

#: Packs a spec may select, by name; AwsSolutions always runs.
PACKS = {
    "AwsSolutions": cdk_nag.AwsSolutionsChecks,
    "NIST.800.53.R5": cdk_nag.NIST80053R5Checks,
    "HIPAA.Security": cdk_nag.HIPAASecurityChecks,
    "PCI.DSS.321": cdk_nag.PCIDSS321Checks,
}
DEFAULT_PACKS: tuple[str, ...] = ("AwsSolutions", "NIST.800.53.R5")


def attach_packs(app: Construct, packs: Sequence[str] = DEFAULT_PACKS) -> None:
    """Attach the named cdk-nag packs to ``app``: any unacknowledged finding fails synthesis."""
    unknown = sorted(set(packs) - set(PACKS))
    if unknown:
        raise ValueError(f"unknown compliance packs {unknown}; choose from {sorted(PACKS)}")
    plugins = [PACKS[name](app) for name in dict.fromkeys(("AwsSolutions", *packs))]
    cdk.Validations.of(app).add_plugins(*plugins)
