"""The organization layer at 1,000 integrations: every stack under 80 % of CloudFormation's
limits, with room for the policies still to come, and the stacks ordered by their dependencies.

The integration stacks do not grow with the number of integrations (each is one
integration's, tested in test_limits.py); the organization layer does, so it is synthesized
here for 1,000 integrations, half with created accounts, with the packs that always run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.assembly import plan_units
from airlock.layout import ACCOUNT_STACK_PREFIX, ORGANIZATION_STACK, plan_layout
from airlock.limits import LIMITS, measure
from airlock.spec import load, load_account_lock
from benchmarks.generate import generate_spec, write_spec

SIZE = 1000
#: Resources still to come per integration in its account stack (issue 21: a resource control
#: policy on each account) and in the organization stack (a quarantine RCP, declarative and tag policies).
RESERVED_PER_INTEGRATION = 1
RESERVED_IN_ORGANIZATION_STACK = 4


@pytest.fixture(scope="module")
def organization_layer(tmp_path_factory):
    from airlock.stacks import build, new_app

    folder = tmp_path_factory.mktemp("thousand")
    path = write_spec(generate_spec(SIZE, created_every=2), folder / "spec.yaml")
    spec, lock = load(path), load_account_lock(path)
    layout = plan_layout(spec.organization, spec.integrations)
    outdir = folder / "cdk.out"
    app = new_app(outdir)
    build(app, spec, lock=lock, packs=(), only=layout.organization_stacks())
    app.synth()
    return spec, lock, layout, outdir


def test_every_organization_stack_is_under_80_percent_of_each_limit(organization_layer):
    _, _, layout, outdir = organization_layer
    measures = {m.stack: m for m in measure(outdir)}
    assert set(measures) == set(layout.organization_stacks())
    for stack, m in measures.items():
        members = len(layout.account_stacks.get(stack, ()))
        reserved = members * RESERVED_PER_INTEGRATION if members else RESERVED_IN_ORGANIZATION_STACK
        assert m.resources + reserved <= 0.8 * LIMITS["Resources"], (stack, m.resources)
        for section in ("Outputs", "Parameters", "Mappings", "bytes"):
            assert m.value(section) <= 0.8 * LIMITS[section], (stack, section, m.value(section))


def test_a_thousand_integrations_spread_over_the_account_stacks(organization_layer):
    spec, _, layout, outdir = organization_layer
    assert len(layout.account_stacks) == spec.organization.layout.account_stacks == 20
    assert sum(len(members) for members in layout.account_stacks.values()) == SIZE
    accounts = 0
    for stack in layout.account_stacks:
        template = json.loads((Path(outdir) / f"{stack}.template.json").read_text())
        accounts += sum(r["Type"] == "AWS::Organizations::Account" for r in template["Resources"].values())
    assert accounts == SIZE // 2
    main = json.loads((Path(outdir) / f"{ORGANIZATION_STACK}.template.json").read_text())
    assert not [r for r in main["Resources"].values() if r["Type"] == "AWS::Organizations::Account"]


def test_account_stacks_import_only_what_the_organization_stack_exports(organization_layer):
    _, _, layout, outdir = organization_layer
    main = json.loads((Path(outdir) / f"{ORGANIZATION_STACK}.template.json").read_text())
    exports = {o["Export"]["Name"] for o in main["Outputs"].values() if "Export" in o}
    for stack in layout.account_stacks:
        text = (Path(outdir) / f"{stack}.template.json").read_text()
        imported = {v for k, v in _pairs(json.loads(text)) if k == "Fn::ImportValue"}
        assert imported and imported <= exports, stack


def _pairs(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _pairs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _pairs(item)


def test_dependencies_put_every_stack_after_what_it_needs(organization_layer):
    spec, lock, layout, _ = organization_layer
    plan = plan_units(spec, lock, ())
    dependencies = plan.dependencies
    order: list[str] = []
    placed: set[str] = set()
    pending = dict(dependencies)
    while pending:  # a topological order exists: no cycle, nothing missing
        ready = sorted(stack for stack, needs in pending.items() if set(needs) <= placed)
        assert ready, f"a cycle or a missing stack among {sorted(pending)[:5]}"
        for stack in ready:
            order.append(stack)
            placed.add(stack)
            del pending[stack]
    assert order[0] == ORGANIZATION_STACK
    account_stacks = list(layout.account_stacks)
    assert [s for s in order if s.startswith(ACCOUNT_STACK_PREFIX)] == account_stacks  # one after the other
    for integration in spec.integrations:
        for region in integration.regions:
            needs = dependencies[f"airlock-{integration.name}-{region}"]
            assert needs == [ORGANIZATION_STACK, layout.stack_of(integration)]
