"""Registration of an integration in AWS: AppRegistry application and attribute group, budget.

AppRegistry is regional and associates only stacks of its own region, so every stack of an
integration holds the integration's application (the same name in each region). A budget
covers the whole account whatever the region, so it exists once, in the integration's home
region (the first of its ``regions``).
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from airlock.constructs.registration import AccountBudget, ApplicationRegistration
from airlock.spec import Integration, Organization
from airlock.spec.placement import home_region
from airlock.stacks.tags import integration_tags


def application_name(integration: Integration) -> str:
    return f"airlock-{integration.name}"


def budget_name(integration: Integration) -> str:
    return f"airlock-{integration.name}"


def registration_attributes(integration: Integration) -> dict[str, Any]:
    """The facts that the AppRegistry attribute group carries (no free texts beyond the description)."""
    attributes: dict[str, Any] = {
        "managed_by": "saas-airlock",
        "integration": integration.name,
        "owner": integration.owner,
        "contact": integration.contact,
        "vendor": integration.vendor.name,
        "vendor_account_ids": list(integration.vendor.account_ids),
        "data_classification": integration.data_classification,
        "cost_centre": integration.cost_centre,
        "regions": list(integration.regions),
        "data_flows": [
            {"name": f.name, "direction": f.direction, "classification": f.classification, "via": f.via}
            for f in integration.data_flows
        ],
    }
    if integration.contract is not None:
        attributes["contract"] = integration.contract
    review = integration.review
    if review is not None:
        attributes["review"] = {
            "last_assessed": review.last_assessed.isoformat(),
            "interval": review.interval,
            "next_review": review.next_review.isoformat(),
        }
    return attributes


def add_registration(
    scope: Construct, *, organization: Organization, integration: Integration, region: str
) -> dict[str, Construct]:
    """Add the integration's AppRegistry application (and, in its home region, its budget) to ``scope``."""
    added: dict[str, Construct] = {}
    description = integration.description or f"SaaS integration {integration.name} ({integration.vendor.name})"
    added["application"] = ApplicationRegistration(
        scope,
        "Registration",
        application_name=application_name(integration),
        attribute_group_name=f"{application_name(integration)}-register",
        description=description[:1024],
        attributes=registration_attributes(integration),
    )
    budget = integration.budget
    if budget is not None and region == home_region(integration):
        added["budget"] = AccountBudget(
            scope,
            "Budget",
            budget_name=budget_name(integration),
            amount=budget.amount,
            currency=budget.currency,
            thresholds_percent=budget.thresholds_percent,
            emails=budget.notify or [integration.contact],
            tags=integration_tags(organization, integration),
        )
    return added
