"""Synthesis in units: a run that reuses the cache equals a full run, byte for byte, and
everything that shapes a unit invalidates it (docs/deployment-at-scale.md)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from airlock.assembly import units as unit_keys
from airlock.compliance.check import CheckOptions, run_check
from airlock.layout import plan_layout
from airlock.spec import validate
from airlock.synth import SynthOptions
from benchmarks.generate import generate_spec, write_spec

CHANGED = "int0002"


def base_spec() -> dict:
    data = generate_spec(4, created_every=2, multi_region_every=2)
    data["organization"]["compliance"] = {"packs": []}  # AwsSolutions and Airlock: enough to cache verdicts
    return data


def with_buffer(data: dict) -> dict:
    changed = copy.deepcopy(data)
    integration = next(i for i in changed["integrations"] if i["name"] == CHANGED)
    integration["buffers"].append({"name": "added", "consumer_timeout_seconds": 40})
    return changed


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class Checker:
    """Runs ``airlock check`` of one spec file into one folder, so reports name the same paths."""

    def __init__(self, folder: Path) -> None:
        self.spec = folder / "spec.yaml"
        self.out = folder / "out"
        self.cache = folder / "cache"

    def __call__(self, data: dict, *, cache: bool = True, jobs: int | None = None):
        write_spec(data, self.spec)
        options = CheckOptions(synth=SynthOptions(cache=self.cache if cache else None, jobs=jobs))
        result = run_check(self.spec, self.out, options=options)
        return result, files(self.out)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    checker = Checker(tmp_path_factory.mktemp("cache"))
    cold, cold_files = checker(base_spec())
    incremental, incremental_files = checker(with_buffer(base_spec()))
    full, full_files = checker(with_buffer(base_spec()), cache=False)
    return {
        "checker": checker,
        "cold": cold,
        "incremental": (incremental, incremental_files),
        "full": (full, full_files),
        "cold_files": cold_files,
    }


def all_units(result) -> tuple[str, ...]:
    return tuple(unit.name for unit in result.run.plan.units)


def test_a_cold_cache_synthesizes_every_unit(runs):
    cold = runs["cold"]
    assert cold.passed and cold.run.reused == ()
    assert cold.run.synthesized == all_units(cold)
    spec = validate(base_spec())
    account_stacks = plan_layout(spec.organization, spec.integrations).account_stacks
    assert len(cold.run.synthesized) == 1 + len(account_stacks) + 4  # organization, account stacks, integrations


def test_a_change_to_one_integration_synthesizes_only_that_integration(runs):
    incremental, _ = runs["incremental"]
    assert incremental.run.synthesized == (f"integration:{CHANGED}",)
    assert set(incremental.run.reused) == set(all_units(incremental)) - {f"integration:{CHANGED}"}


def test_incremental_equals_full_byte_for_byte(runs):
    _, incremental = runs["incremental"]
    full_result, full = runs["full"]
    assert full_result.run.synthesized == all_units(full_result)  # really a full run
    assert sorted(incremental) == sorted(full)
    assert [name for name in full if incremental[name] != full[name]] == []
    assert incremental != runs["cold_files"]  # the change is in there


def test_cfn_lint_results_are_cached_per_unit(runs):
    checker = runs["checker"]
    incremental, _ = runs["incremental"]
    stored = list((checker.cache / "checks" / "cfn-lint").rglob("*.json"))
    assert len(stored) >= len(all_units(incremental))


def test_a_change_to_the_organization_block_invalidates_every_unit(runs):
    checker = runs["checker"]
    data = with_buffer(base_spec())
    data["organization"]["tags"]["cost-owner"] = "platform"
    result, _ = checker(data)
    assert result.run.synthesized == all_units(result) and result.run.reused == ()


def test_a_library_version_invalidates_every_unit(runs, monkeypatch):
    checker = runs["checker"]
    again, _ = checker(with_buffer(base_spec()))
    assert again.run.synthesized == ()  # warm: nothing to do
    real = unit_keys.library_versions()
    monkeypatch.setattr(unit_keys, "library_versions", lambda: {**real, "aws-cdk-lib": "2.999.0"})
    result, _ = checker(with_buffer(base_spec()))
    assert result.run.synthesized == all_units(result)


def test_a_change_the_organization_layer_reads_synthesizes_its_account_stack_too(runs):
    checker = runs["checker"]
    data = with_buffer(base_spec())
    next(i for i in data["integrations"] if i["name"] == CHANGED)["owner"] = "team-new"  # a tag of its account
    result, _ = checker(data)
    spec = validate(data)
    account_stack = plan_layout(spec.organization, spec.integrations).stack_of(CHANGED)
    assert set(result.run.synthesized) == {f"integration:{CHANGED}", account_stack}


def test_worker_processes_give_the_same_assembly(runs, monkeypatch, tmp_path):
    """Batches of two units in two spawned workers, each replaced after one batch (as a worker
    is after a few, to bound its memory): the same bytes as one app in this process."""
    from airlock.assembly import run as assembly_run

    _, full = runs["full"]
    monkeypatch.setattr(assembly_run, "BATCH_UNITS", 2)
    monkeypatch.setattr(assembly_run, "BATCHES_PER_WORKER", 1)
    checker = runs["checker"]
    result, parallel = checker(with_buffer(base_spec()), cache=False, jobs=2)
    assert len(assembly_run._batches(result.run.plan.units)) > 2
    assert [name for name in full if parallel.get(name) != full[name]] == []


def test_worker_chunks_shrink_towards_the_end():
    from airlock.assembly.run import BATCHES_PER_WORKER, _chunks

    sizes = [len(chunk) for chunk in _chunks([[]] * 41, 2)]
    assert sum(sizes) == 41 and max(sizes) == BATCHES_PER_WORKER
    assert sizes[-4:] == [1, 1, 1, 1]  # the last batches are spread over both workers
    assert [number for chunk in _chunks([[]] * 41, 2) for number, _ in chunk] == list(range(41))


def test_a_failing_worker_stops_the_run_with_its_error(tmp_path):
    """A worker whose batch fails reports the error to the parent, which raises it (no hang)."""
    from collections import deque

    from airlock.assembly.run import _run_workers
    from airlock.assembly.units import Unit
    from airlock.spec import AccountLock

    spec = validate(base_spec())
    # a unit that does not name the stacks its integration makes: the split fails in the worker
    bogus = [Unit("integration:int0001", ("airlock-elsewhere",), "0" * 64, integration="int0001")]
    with pytest.raises(RuntimeError, match=r"a synthesis worker failed:\n(.|\n)*KeyError"):
        _run_workers(spec, AccountLock(), [], deque([[(0, bogus)]]), tmp_path, (), 1)


def with_broken_flow(data: dict) -> dict:
    """The changed integration's data flow turned outbound: nobody in the organisation writes it."""
    changed = copy.deepcopy(data)
    integration = next(i for i in changed["integrations"] if i["name"] == CHANGED)
    integration["data_flows"][0]["direction"] = "outbound"
    return changed


@pytest.fixture(scope="module")
def proof_runs(tmp_path_factory):
    checker = Checker(tmp_path_factory.mktemp("proof-cache"))
    checker(base_spec())
    cached = {p.name for p in (checker.cache / "checks" / "access").rglob("*.json")}
    incremental, incremental_files = checker(with_broken_flow(base_spec()))
    added = {p.name for p in (checker.cache / "checks" / "access").rglob("*.json")} - cached
    full, full_files = checker(with_broken_flow(base_spec()), cache=False)
    return cached, added, (incremental, incremental_files), (full, full_files)


def test_the_access_proof_reuses_verdicts_and_reports_what_a_full_run_does(proof_runs):
    cached, added, (incremental, incremental_files), (full, full_files) = proof_runs
    # One verdict per integration after the cold run; the change re-proves the changed
    # integration and those whose probes sample it (its neighbours), not every integration.
    assert len(cached) == 4
    assert 1 <= len(added) < 4
    proof = [f for f in incremental.findings if f.pack == "Access"]
    assert proof and all(f.rule == "Access-Flow" and CHANGED in f.path for f in proof)
    assert "no core producer sends to buffer" in proof[0].description
    assert incremental.findings == full.findings
    assert incremental_files == full_files
