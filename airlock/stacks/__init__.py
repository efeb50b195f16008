"""Deployable units: translate the spec into construct props and wire constructs together.

The names below load the CDK on first use (PEP 562), so that the pure modules of this
package (``bootstrap_template``, the synthesis planner's helpers) can be imported by a
process that never starts a jsii kernel.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from airlock.layout import ORGANIZATION_STACK, integration_stack_name

if TYPE_CHECKING:
    from airlock.stacks.integration import IntegrationStack
    from airlock.stacks.landing_zone import LandingZone, build, new_app
    from airlock.stacks.organization import OrganizationAccountsStack, OrganizationStack

_LAZY = {
    "IntegrationStack": "airlock.stacks.integration",
    "LandingZone": "airlock.stacks.landing_zone",
    "build": "airlock.stacks.landing_zone",
    "new_app": "airlock.stacks.landing_zone",
    "OrganizationAccountsStack": "airlock.stacks.organization",
    "OrganizationStack": "airlock.stacks.organization",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'airlock.stacks' has no attribute '{name}'")


__all__ = [
    "ORGANIZATION_STACK",
    "IntegrationStack",
    "LandingZone",
    "OrganizationAccountsStack",
    "OrganizationStack",
    "build",
    "integration_stack_name",
    "new_app",
]
