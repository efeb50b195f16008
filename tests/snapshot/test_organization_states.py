"""Snapshot of the organization stack with a suspended integration (the kill switch thrown).

Shows sub-OUs, an account in a sub-OU, filtered egress, and the quarantine SCP attached to
the suspended integration's account. Review the diff, then update with `--snapshot-update`.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from syrupy.extensions.json import JSONSnapshotExtension

from airlock.stacks import OrganizationStack
from tests.snapshot.test_example_stacks import masked
from tests.unit.test_organization import rich_spec


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_suspended_integration_snapshot(snapshot_json):
    spec = rich_spec(**{"integrations.0.state": "suspended"})
    stack = OrganizationStack(
        cdk.App(),
        "airlock-organization",
        organization=spec.organization,
        integrations=spec.integrations,
        env=cdk.Environment(account=spec.organization.management_account_id, region=spec.organization.home_region),
    )
    template = masked(Template.from_stack(stack).to_json())
    (quarantine,) = [r for r in template["Resources"].values() if r["Properties"].get("Name") == "airlock-quarantine"]
    assert quarantine["Properties"]["TargetIds"] == ["210000000001"]
    assert template == snapshot_json
