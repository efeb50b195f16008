"""Mandatory tags: every taggable resource says which integration it belongs to."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

from airlock.spec import Integration, Organization

#: Tags every taggable resource of an intermediate account carries (checked by Airlock-MandatoryTags).
MANDATORY_TAG_KEYS = ("airlock:integration", "airlock:owner", "airlock:vendor", "airlock:data-classification")


def integration_tags(organization: Organization, integration: Integration) -> dict[str, str]:
    tags = {
        **organization.tags,
        "airlock:integration": integration.name,
        "airlock:owner": integration.owner,
        "airlock:vendor": integration.vendor.name,
        "airlock:data-classification": integration.data_classification,
        "airlock:cost-centre": integration.cost_centre,
    }
    return tags


def apply_tags(scope: IConstruct, tags: dict[str, str]) -> None:
    for key, value in sorted(tags.items()):
        cdk.Tags.of(scope).add(key, value)
