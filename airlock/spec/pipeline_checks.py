"""Cross-field checks of ``organization.pipeline`` (called from :mod:`airlock.spec.checks`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from airlock.spec.errors import SpecIssue
from airlock.spec.models import Integration, Organization

_BASE = ("organization", "pipeline")

#: CodePipeline allows at most 50 stages; Source, Build, UpdatePipeline and Organization come first.
MAX_STAGES = 50
FIXED_STAGES = 4


def pipeline_checks(org: Organization, integrations: Sequence[tuple[int, Integration]]) -> list[SpecIssue]:
    pipeline = org.pipeline
    if pipeline is None:
        return []
    issues = []
    region = pipeline.region or org.home_region
    if region not in org.allowed_regions:
        issues.append(
            SpecIssue(
                (*_BASE, "region"),
                f"'{region}' is not in organization.allowed_regions {list(org.allowed_regions)}; "
                "add it there or choose an allowed region",
            )
        )
    if pipeline.connection_region() != region:
        issues.append(
            SpecIssue(
                (*_BASE, "connection_arn"),
                f"the connection is in {pipeline.connection_region()} but the pipeline in {region}; "
                "a pipeline can only use a connection of its own region: create one there",
            )
        )
    per_region = Counter(region for _, integration in integrations for region in integration.regions)
    stages = FIXED_STAGES + sum(math.ceil(count / pipeline.wave_size) for count in per_region.values())
    if stages > MAX_STAGES:
        issues.append(
            SpecIssue(
                (*_BASE, "wave_size"),
                f"wave_size {pipeline.wave_size} gives the pipeline {stages} stages; CodePipeline allows "
                f"{MAX_STAGES}: raise wave_size (at most 20), or split the landing zone into two specs",
            )
        )
    for index, integration in integrations:
        if pipeline.account_id == integration.account.adopt:
            issues.append(
                SpecIssue(
                    (*_BASE, "account_id"),
                    f"'{pipeline.account_id}' is the intermediate account of integrations[{index}] "
                    f"({integration.name}); deploy from a tooling account of its own",
                )
            )
        if pipeline.account_id in integration.vendor.account_ids:
            issues.append(
                SpecIssue(
                    (*_BASE, "account_id"),
                    f"'{pipeline.account_id}' is a vendor account of integrations[{index}] ({integration.name}); "
                    "deploy from one of the organization's own tooling accounts",
                )
            )
    return issues
