"""Whole-stack snapshots of the default example (asset hashes masked).

A change in a generated template, including a logical ID change (a replacement on deploy),
shows up here. Review the diff, then update with `pytest --snapshot-update`.
"""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

STACKS = [
    "airlock-organization",
    "airlock-organization-accounts-09",
    "airlock-organization-accounts-19",
    "airlock-organization-accounts-20",
    "airlock-crm-eu-central-1",
    "airlock-payroll-eu-central-1",
    "airlock-events-eu-west-1",
]
_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def masked(template: dict) -> dict:
    """Asset hashes masked; the CDK bootstrap template (from the pinned CLI, tested on its own) elided."""
    template = json.loads(_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True)))
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::CloudFormation::StackSet" and "TemplateBody" in resource["Properties"]:
            resource["Properties"]["TemplateBody"] = "<CDK bootstrap template of the pinned CDK CLI>"
    return template


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_example_has_exactly_these_stacks(example_assembly):
    assert sorted(example_assembly.templates) == sorted(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_snapshot(example_assembly, snapshot_json, stack):
    assert masked(example_assembly.template(stack)) == snapshot_json
