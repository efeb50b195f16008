"""CloudFormation's per-stack limits are checked after synthesis, with an error that names the stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airlock.cli import main
from airlock.limits import LIMITS, AssemblyError, StackMeasure, breaches, check_assembly, measure
from benchmarks.generate import generate_spec, write_spec


def measured(**counts: int) -> StackMeasure:
    values = {"resources": 10, "outputs": 1, "parameters": 0, "mappings": 0, "template_bytes": 5000, **counts}
    return StackMeasure(stack="airlock-x-eu-central-1", template_file=Path("x.template.json"), **values)


def test_the_limits_are_cloudformations():
    assert LIMITS == {"Resources": 500, "Outputs": 200, "Parameters": 200, "Mappings": 200, "bytes": 1_000_000}


def test_a_stack_at_the_limits_passes():
    at = measured(resources=500, outputs=200, parameters=200, mappings=200, template_bytes=1_000_000)
    assert breaches([at]) == []


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"resources": 501}, "has 501 resources; CloudFormation allows at most 500"),
        ({"outputs": 201}, "has 201 outputs; CloudFormation allows at most 200"),
        ({"parameters": 250}, "has 250 parameters; CloudFormation allows at most 200"),
        ({"mappings": 201}, "has 201 mappings; CloudFormation allows at most 200"),
        ({"template_bytes": 1_000_001}, "has 1,000,001 template bytes; CloudFormation allows at most 1,000,000"),
    ],
)
def test_each_limit_is_checked_and_named(counts, expected):
    (breach,) = breaches([measured(**counts)])
    assert str(breach).startswith(f"stack airlock-x-eu-central-1 {expected}: ")
    assert "split it into two integrations" in str(breach)


def test_every_breach_is_reported_at_once():
    error = AssemblyError([str(b) for b in breaches([measured(resources=600, outputs=300)])])
    assert (
        str(error).splitlines()[0]
        == "2 problem(s) in the synthesized stacks; CloudFormation would refuse to deploy them:"
    )


def test_measures_match_the_templates(example_synth):
    result, assembly = example_synth
    measures = {m.stack: m for m in check_assembly(assembly.outdir)}
    assert set(measures) == set(assembly.templates)
    for summary in result.stacks:
        assert measures[summary.name].resources == summary.resources
        assert measures[summary.name].template_bytes == summary.template_bytes
    assert measures["airlock-crm-eu-central-1"].outputs == len(assembly.template("airlock-crm-eu-central-1")["Outputs"])
    assert measure(assembly.outdir) == list(measures.values())


def test_an_integration_over_500_resources_is_refused_with_its_name_and_count(tmp_path, capsys):
    """A generated integration with 100 buffers: rejected after synthesis, nothing written."""
    data = generate_spec(1, buffers=100, drop_zone_every=0, multi_region_every=0)
    # Only the packs that always run: the limit check does not depend on the others, which
    # would take minutes over 600 resources.
    data["organization"]["compliance"] = {"packs": []}
    spec = write_spec(data, tmp_path / "big.yaml")
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    match = re.search(r"stack airlock-int0000-eu-central-1 has (\d+) resources; CloudFormation allows at most 500", err)
    assert match and int(match.group(1)) > 500, err
    assert "airlock-organization" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml"]


def test_the_summary_notes_a_stack_close_to_a_limit():
    from airlock.compliance import ComplianceResult
    from airlock.synth import StackSummary, SynthResult, render_summary

    stacks = (
        StackSummary("airlock-big-eu-central-1", "300000000000", "eu-central-1", 420, 850_000),
        StackSummary("airlock-small-eu-central-1", "300000000001", "eu-central-1", 20, 20_000),
    )
    text = render_summary(SynthResult(Path("cdk.out"), stacks, ComplianceResult(), ("AwsSolutions",)))
    notes = [line for line in text.splitlines() if "note:" in line]
    assert notes == [
        "  note: airlock-big-eu-central-1 has 420 resources, close to CloudFormation's limit of 500",
        "  note: airlock-big-eu-central-1 has 850,000 template bytes, close to CloudFormation's limit of 1,000,000",
    ]
