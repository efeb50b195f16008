"""Deployable units: translate the spec into construct props and wire constructs together."""

from airlock.stacks.integration import IntegrationStack
from airlock.stacks.landing_zone import (
    ORGANIZATION_STACK,
    LandingZone,
    build,
    integration_stack_name,
    new_app,
)
from airlock.stacks.organization import OrganizationStack

__all__ = [
    "ORGANIZATION_STACK",
    "IntegrationStack",
    "LandingZone",
    "OrganizationStack",
    "build",
    "integration_stack_name",
    "new_app",
]
