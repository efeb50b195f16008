"""Where an integration's region-independent resources go.

An integration deployed to several regions gets one stack per region. Some of what it
needs exists once per account, whatever the region (budgets, the AppRegistry application,
IAM roles with a fixed name): those belong to exactly one of its stacks, the one in its
*home region*.
"""

from __future__ import annotations

from airlock.spec.models import Integration, Organization


def home_region(organization: Organization, integration: Integration) -> str:
    """The integration's home region: the organization's, if the integration uses it, else its first region."""
    if organization.home_region in integration.regions:
        return organization.home_region
    return integration.regions[0]
