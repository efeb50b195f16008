"""Where an integration's region-independent resources go.

An integration deployed to several regions gets one stack per region. Some of what it
needs exists once per account, whatever the region (the budget, IAM roles with a fixed
name): those belong to exactly one of its stacks, the one in its *home region*.
"""

from __future__ import annotations

from airlock.spec.models import Integration


def home_region(integration: Integration) -> str:
    """The integration's home region: the first of its regions."""
    return integration.regions[0]
