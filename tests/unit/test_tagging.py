"""Mandatory tags on every taggable resource of every stack of every example spec.

Which types take tags comes from the CloudFormation resource provider schemas (via cfn-lint),
so a resource added by any stack or construct is checked without listing it here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SPEC, ROOT, read_assembly
from tests.tagging import tag_property, tags_of

EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
MANDATORY = {
    "airlock:integration",
    "airlock:owner",
    "airlock:vendor",
    "airlock:data-classification",
    "airlock:cost-centre",
}


@pytest.fixture(scope="module", params=[p.name for p in EXAMPLES])
def assembly(request, example_assembly, tmp_path_factory):
    if request.param == EXAMPLE_SPEC.name:
        return example_assembly
    from airlock.synth import synth

    outdir = tmp_path_factory.mktemp(request.param) / "cdk.out"
    synth(ROOT / "examples" / request.param, outdir)
    return read_assembly(outdir)


def stacks_of(assembly) -> list[tuple[str, str, dict[str, str], dict]]:
    manifest = json.loads((Path(assembly.outdir) / "manifest.json").read_text())
    out = []
    for name, template in sorted(assembly.templates.items()):
        artifact = manifest["artifacts"][name]
        region = artifact["environment"].rsplit("/", 1)[1]
        out.append((name, region, artifact["properties"].get("tags", {}), template))
    return out


def untagged(assembly) -> list[str]:
    problems = []
    for name, region, stack_tags, template in stacks_of(assembly):
        required = dict(stack_tags)
        if "airlock:integration" in stack_tags:
            missing = MANDATORY - set(stack_tags)
            if missing:
                problems.append(f"{name}: stack tags lack {sorted(missing)}")
        for logical_id, resource in sorted(template["Resources"].items()):
            prop = tag_property(resource["Type"], region)
            if prop is None:
                continue
            tags = tags_of(resource, prop)
            wrong = {k for k, v in required.items() if tags.get(k) != v}
            if wrong:
                problems.append(f"{name}/{logical_id} ({resource['Type']}): missing or different {sorted(wrong)}")
    return problems


def test_every_taggable_resource_carries_its_stack_tags_and_the_mandatory_ones(assembly):
    assert untagged(assembly) == []


def test_the_tag_check_sees_an_untagged_resource(example_assembly):
    """The check above can fail: strip the tags from one budget and it reports that resource."""
    import copy

    broken = copy.deepcopy(example_assembly)
    template = broken.templates["airlock-crm-eu-central-1"]
    budget = next(r for r in template["Resources"].values() if r["Type"] == "AWS::Budgets::Budget")
    del budget["Properties"]["ResourceTags"]
    (problem,) = untagged(broken)
    assert "AWS::Budgets::Budget" in problem and "airlock:cost-centre" in problem


def test_created_accounts_carry_the_integration_tags(example_assembly):
    accounts = example_assembly.resources("airlock-organization", "AWS::Organizations::Account")
    for account in accounts.values():
        assert MANDATORY <= set(tags_of(account, "Tags"))


def test_schemas_know_the_types_the_stacks_use():
    assert tag_property("AWS::Budgets::Budget", "eu-central-1") == "ResourceTags"
    assert tag_property("AWS::ServiceCatalogAppRegistry::ResourceAssociation", "eu-central-1") is None
    assert tag_property("AWS::SQS::Queue", "eu-west-1") == "Tags"
