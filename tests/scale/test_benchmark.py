"""The synth benchmark: its targets, its README table, and a short real run that writes the JSON."""

from __future__ import annotations

import json

import pytest

from benchmarks import synth_scale
from benchmarks.synth_scale import README_END, README_START, Run, changed_one, evaluate, evaluate_large, update_readme


def _run(label: str, integrations: int | None, seconds: float, cpu: float, rss: float = 500.0) -> Run:
    return Run(label=label, integrations=integrations, seconds=seconds, cpu_seconds=cpu, peak_rss_mb=rss, digest="d")


def _targets(hundred_wall: float = 30.0, hundred_cpu: float = 32.0, example_cpu: float = 4.0):
    floor = _run("empty app", None, 1.5, 2.0)
    example = _run("example", 3, 3.0, example_cpu)
    sized = [_run("1", 1, 2.0, 2.5), _run("10", 10, 5.0, 6.1), _run("100", 100, hundred_wall, hundred_cpu)]
    return evaluate(floor, example, sized, repeat=_run("100 repeat", 100, 30.0, 32.0))


def test_targets_are_met_by_a_fast_run():
    results = _targets()
    assert all(target["met"] for target in results["targets"].values()), results["targets"]
    assert results["marginal_cpu_seconds_per_integration"] == {"10": 0.4, "100": 0.288}
    assert results["deterministic_100"] is True


@pytest.mark.parametrize(
    ("change", "missed"),
    [
        ({"hundred_wall": 61.0}, "100 integrations under 60 s (wall)"),
        ({"example_cpu": 5.2}, "example under 2.5x the empty-app floor (CPU)"),
        ({"hundred_cpu": 60.0}, "marginal CPU per integration at 100 <= 1.3x at 10"),
    ],
)
def test_each_target_can_be_missed(change, missed):
    targets = _targets(**change)["targets"]
    assert [name for name, target in targets.items() if not target["met"]] == [missed]


def _large(
    *,
    findings: int = 0,
    rss: float = 2500.0,
    share: float = 0.5,
    top_cpu: float = 300.0,
    change_cpu: float = 9.0,
    proof_cpu: float = 6.0,
):
    example = _run("example check", 3, 6.0, 6.0)
    series = [
        _run("10 check", 10, 10.0, 10.0),
        _run("100 check", 100, 40.0, 40.0),
        _run("500 check", 500, 100.0, 160.0),
        _run("1000 check", 1000, 200.0, top_cpu, rss=rss),
    ]
    series[-1].findings, series[-1].compliance_passed, series[-1].max_limit_share = findings, findings == 0, share
    series[1].proof_cpu_seconds = proof_cpu
    return evaluate_large(example, series, _run("1000 one change", 1000, 8.0, change_cpu))


def test_large_targets_are_met_by_a_fast_run():
    results = _large()
    assert all(target["met"] for target in results["targets"].values()), results["targets"]
    assert results["marginal_cpu_seconds_per_integration"]["1000"] == 0.28  # (300 - 160) / 500
    assert results["marginal_cpu_seconds_per_integration"]["100"] == 0.333  # (40 - 10) / 90
    # The proof's share is of the check without it: 6 s of 40 s is 6 / 34.
    assert results["targets"]["the access proof adds <= 25% to the check of 100 integrations (CPU)"]["value"] == 0.176


@pytest.mark.parametrize(
    ("change", "missed"),
    [
        ({"findings": 2}, "1000 integrations pass every default pack (unacknowledged findings)"),
        ({"rss": 4200.0}, "1000 integrations under 4 GB peak RSS"),
        ({"share": 0.81}, "every stack at 1000 integrations under 80% of each CloudFormation limit"),
        ({"top_cpu": 400.0}, "marginal CPU per integration at 1000 <= 1.3x at 100"),
        ({"change_cpu": 18.5}, "one-integration change at 1000 (warm cache) <= 3x the example's check (CPU)"),
        ({"proof_cpu": 8.5}, "the access proof adds <= 25% to the check of 100 integrations (CPU)"),
    ],
)
def test_each_large_target_can_be_missed(change, missed):
    targets = _large(**change)["targets"]
    assert [name for name, target in targets.items() if not target["met"]] == [missed]


def test_the_change_adds_one_buffer_to_one_integration():
    from benchmarks.generate import generate_spec

    data = generate_spec(10)
    changed = changed_one(data)
    differing = [
        n for n, (a, b) in enumerate(zip(data["integrations"], changed["integrations"], strict=True)) if a != b
    ]
    assert differing == [5]
    assert len(changed["integrations"][5]["buffers"]) == len(data["integrations"][5]["buffers"]) + 1
    assert changed["organization"] == data["organization"]


def test_readme_table_goes_between_the_markers_only(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{README_START}\nold table\n{README_END}\nafter\n", encoding="utf-8")
    update_readme(readme, "new table\n")
    assert readme.read_text(encoding="utf-8") == f"before\n{README_START}\nnew table\n{README_END}\nafter\n"


def test_a_short_run_writes_the_json_and_the_table(tmp_path, capsys):
    code = synth_scale.main(["--sizes", "1", "--no-repeat", "--large-sizes", "1", "2", "--out", str(tmp_path)])
    report = json.loads((tmp_path / "synth_scale.json").read_text(encoding="utf-8"))
    runs = {run["label"]: run for run in report["runs"]}
    assert list(runs) == [
        "empty app",
        "example",
        "1 integration",
        "example check",
        "1 check",
        "2 check",
        "2 one change",
    ]
    assert runs["2 check"]["reused_units"] == 0 and runs["2 check"]["synthesized_units"] > 0
    assert runs["2 one change"]["synthesized_units"] == 1  # the changed integration only
    assert runs["2 one change"]["reused_units"] == runs["2 check"]["synthesized_units"] - 1
    assert runs["example check"]["compliance_passed"] is True and 0 < runs["2 check"]["max_limit_share"] < 0.8
    assert runs["empty app"]["stacks"] == 0
    assert 0 < runs["2 check"]["proof_cpu_seconds"] < runs["2 check"]["cpu_seconds"]
    assert runs["example"]["stacks"] == 7 and runs["1 integration"]["stacks"] == 3
    for label in ("example", "1 integration"):
        # CPU times are measured, not asserted against each other: on a loaded machine the
        # empty app (which pays the first kernel start) can take longer than a small app.
        assert runs[label]["cpu_seconds"] > 0 and runs["empty app"]["cpu_seconds"] > 0
        assert runs[label]["template_bytes"] > 0 and runs[label]["peak_rss_mb"] > 0
        assert runs[label]["digest"]
    assert report["packs"] == [
        "AwsSolutions",
        "Airlock",
        "NIST.800.53.R5",
        "HIPAA.Security",
        "PCI.DSS.321",
        "ControlTower",
    ]
    assert list(report["results"]["targets"]) == ["example under 2.5x the empty-app floor (CPU)"]
    targets = {**report["results"]["targets"], **report["large"]["targets"]}
    assert "one-integration change at 2 (warm cache) <= 3x the example's check (CPU)" in targets
    assert code == (0 if all(target["met"] for target in targets.values()) else 1)
    table = (tmp_path / "synth_scale.md").read_text(encoding="utf-8")
    assert "| example | 3 | 7 |" in table and "| 2 one change | 2 |" in table and table in capsys.readouterr().out
