"""Mandatory tags: every taggable resource says which integration it belongs to."""

from __future__ import annotations

from typing import get_args

import aws_cdk as cdk
from constructs import IConstruct

from airlock.spec import Integration, Organization
from airlock.spec.models import DataClassification

#: Tags every taggable resource of an intermediate account carries (checked by Airlock-MandatoryTags).
MANDATORY_TAG_KEYS = ("airlock:integration", "airlock:owner", "airlock:vendor", "airlock:data-classification")
#: The keys the OU's tag policy fixes (every key :func:`integration_tags` writes), and the
#: values it allows where the spec fixes the set: the data classifications (the other values
#: vary per integration; listing them would outgrow the tag policy's size quota at scale).
TAG_POLICY_KEYS = (*MANDATORY_TAG_KEYS, "airlock:cost-centre")
TAG_POLICY_VALUES = {"airlock:data-classification": get_args(DataClassification)}


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
