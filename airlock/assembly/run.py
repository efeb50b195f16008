"""Synthesize a landing zone in units, on every core, reusing unchanged units from a cache.

:func:`synth_assembly` plans the units (:mod:`airlock.assembly.units`), takes those whose
key is in the cache, synthesizes the others in batches (each batch one CDK app, split
afterwards into its units), in worker processes when there is more than one batch, runs
the requested per-unit checks (:mod:`airlock.assembly.checks`) and merges every unit into
one cloud assembly (:mod:`airlock.assembly.merge`). The assembly is the same, byte for
byte, whichever units came from the cache.

Workers are started fresh (``spawn``): each holds its own jsii kernel and synthesizes a few
batches (:data:`BATCHES_PER_WORKER`) before the next one takes over, because a jsii kernel
keeps every object it ever made.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
import traceback
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from airlock.assembly.cache import UnitCache
from airlock.assembly.checks import UNIT_CHECKS, Results, check_key, unknown_checks
from airlock.assembly.merge import merge_units
from airlock.assembly.split import split_assembly
from airlock.assembly.units import Unit, UnitPlan, plan_units
from airlock.spec import AccountLock, Spec, SpecError, SpecIssue

#: Units per CDK app: enough to spread an app's fixed cost, few enough to keep a worker small.
BATCH_UNITS = 25
#: Batches a worker process synthesizes before it is replaced (bounds its memory).
BATCHES_PER_WORKER = 4
JOBS_ENV = "AIRLOCK_JOBS"
VALIDATION_FAILED = "ValidationFailed"


def default_jobs() -> int:
    """Worker processes: ``$AIRLOCK_JOBS``, or one per core."""
    value = os.environ.get(JOBS_ENV, "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


@dataclass(frozen=True)
class AssemblyRun:
    """What :func:`synth_assembly` did."""

    outdir: Path
    plan: UnitPlan
    #: Units synthesized in this run, and units taken from the cache (names, assembly order).
    synthesized: tuple[str, ...]
    reused: tuple[str, ...]
    #: False when a unit's validation failed (an unacknowledged finding or a plugin error).
    validated: bool
    #: Results of each requested per-unit check, unit after unit in assembly order.
    checks: dict[str, Results] = field(default_factory=dict)


def _worker(
    spec: Spec,
    lock: AccountLock,
    packs: Sequence[str] | None,
    chunk: Sequence[tuple[int, Sequence[Unit]]],
    work: str,
    checks: Sequence[str],
    result_file: str,
) -> None:
    """A worker process: synthesize a few batches, then write what came of them to ``result_file``."""
    try:
        folders: dict[str, Path] = {}
        for number, batch in chunk:
            folders.update(synth_batch(spec, lock, packs, batch, Path(work) / f"batch-{number}", checks))
        result: dict[str, Any] = {"folders": {name: str(path) for name, path in folders.items()}}
    except SpecError as exc:  # re-raised in the parent: a custom exception does not pickle
        result = {"spec_error": [(issue.loc, issue.message, issue.line) for issue in exc.issues], "source": exc.source}
    except BaseException:
        result = {"error": traceback.format_exc()}
    Path(result_file).write_text(json.dumps(result), encoding="utf-8")


def synth_batch(
    spec: Spec,
    lock: AccountLock,
    packs: Sequence[str] | None,
    units: Sequence[Unit],
    workdir: Path,
    checks: Sequence[str] = (),
) -> dict[str, Path]:
    """Synthesize ``units`` as one app in ``workdir``, split it into unit folders, run ``checks`` on each."""
    from airlock.stacks import build, new_app

    assembly = workdir / "assembly"
    app = new_app(assembly)
    build(app, spec, lock=lock, packs=packs, only={unit.name for unit in units})
    try:
        app.synth()
    except RuntimeError as exc:  # jsii surfaces ValidationFailed as RuntimeError
        if VALIDATION_FAILED not in str(exc):
            raise
    folders = split_assembly(assembly, units, workdir / "units")
    shutil.rmtree(assembly, ignore_errors=True)
    for name in checks:
        for folder in folders.values():
            (folder / "checks").mkdir(exist_ok=True)
            results = UNIT_CHECKS[name].run(folder, None)
            (folder / "checks" / f"{name}.json").write_text(json.dumps(results, sort_keys=True), encoding="utf-8")
    return folders


def _batches(units: Sequence[Unit]) -> list[list[Unit]]:
    return [list(units[start : start + BATCH_UNITS]) for start in range(0, len(units), BATCH_UNITS)]


def _synthesize(
    spec: Spec,
    lock: AccountLock,
    packs: Sequence[str] | None,
    units: Sequence[Unit],
    work: Path,
    checks: Sequence[str],
    jobs: int,
) -> dict[str, Path]:
    batches = _batches(units)
    if len(batches) <= 1 or jobs <= 1:
        folders: dict[str, Path] = {}
        for number, batch in enumerate(batches):
            folders.update(synth_batch(spec, lock, packs, batch, work / f"batch-{number}", checks))
        return folders
    results = _run_workers(spec, lock, packs, _chunks(batches, jobs), work, checks, jobs)
    folders = {}
    for result in results:
        if "spec_error" in result:
            issues = [SpecIssue(tuple(loc), message, line) for loc, message, line in result["spec_error"]]
            raise SpecError(issues, result["source"])
        folders.update({name: Path(path) for name, path in result["folders"].items()})
    return folders


def _chunks(batches: Sequence[list[Unit]], jobs: int) -> deque[list[tuple[int, list[Unit]]]]:
    """The batches of each worker process: up to :data:`BATCHES_PER_WORKER`, fewer towards
    the end, so that no worker is left with a long tail while the others are done."""
    numbered = list(enumerate(batches))
    chunks: deque[list[tuple[int, list[Unit]]]] = deque()
    while numbered:
        size = min(BATCHES_PER_WORKER, max(1, -(-len(numbered) // (2 * jobs))))
        chunks.append(numbered[:size])
        numbered = numbered[size:]
    return chunks


def _run_workers(
    spec: Spec,
    lock: AccountLock,
    packs: Sequence[str] | None,
    chunks: deque[list[tuple[int, list[Unit]]]],
    work: Path,
    checks: Sequence[str],
    jobs: int,
) -> list[dict[str, Any]]:
    """Run each chunk of batches in a fresh process, ``jobs`` at a time; a process that ends
    without a result (killed, out of memory) stops the run with an error, never a hang."""
    context = multiprocessing.get_context("spawn")
    running: list[tuple[Any, Path]] = []
    results: list[dict[str, Any]] = []
    try:
        while chunks or running:
            while chunks and len(running) < jobs:
                result_file = work / f"worker-{len(results) + len(running)}.json"
                process = context.Process(
                    target=_worker,
                    args=(spec, lock, packs, chunks.popleft(), str(work), tuple(checks), str(result_file)),
                )
                process.start()
                running.append((process, result_file))
            wait([process.sentinel for process, _ in running])
            for process, result_file in [entry for entry in running if not entry[0].is_alive()]:
                process.join()
                running.remove((process, result_file))
                if not result_file.is_file():
                    raise RuntimeError(f"a synthesis worker stopped without a result (exit code {process.exitcode})")
                result = json.loads(result_file.read_text(encoding="utf-8"))
                if "error" in result:
                    raise RuntimeError(f"a synthesis worker failed:\n{result['error']}")
                results.append(result)
    finally:
        for process, _ in running:
            process.terminate()
            process.join()
    return results


def synth_assembly(
    spec: Spec,
    lock: AccountLock,
    outdir: Path,
    *,
    packs: Sequence[str] | None = None,
    cache: UnitCache | None = None,
    jobs: int | None = None,
    checks: Sequence[str] = (),
) -> AssemblyRun:
    """Synthesize ``spec`` into ``outdir`` (which must not exist) unit by unit.

    ``packs`` overrides the spec's pack selection; ``cache`` reuses and stores units;
    ``jobs`` is the number of worker processes (default :func:`default_jobs`); ``checks``
    names per-unit checks to run (:data:`airlock.assembly.checks.UNIT_CHECKS`).
    """
    unknown = unknown_checks(checks)
    if unknown:
        raise ValueError(f"unknown unit checks {unknown}; choose from {sorted(UNIT_CHECKS)}")
    key_packs = list(packs) if packs is not None else list(spec.organization.compliance.packs)
    plan = plan_units(spec, lock, key_packs)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.units.", dir=outdir.parent))
    try:
        folders: dict[str, Path] = {}
        for unit in plan.units:
            cached = cache.unit(unit.key) if cache is not None else None
            if cached is not None:
                folders[unit.name] = cached
        missing = [unit for unit in plan.units if unit.name not in folders]
        early = [name for name in checks if not UNIT_CHECKS[name].depends_on_organization]
        produced = _synthesize(spec, lock, packs, missing, work, early, jobs or default_jobs())
        folders.update(produced)
        ordered = [folders[unit.name] for unit in plan.units]
        units = merge_units(ordered, plan, outdir)
        clean = {unit["unit"]: bool(unit["clean"]) for unit in units}
        if cache is not None:
            for unit in missing:
                if clean[unit.name]:
                    cache.put_unit(unit.key, produced[unit.name])
        results = {
            name: _check_results(name, plan, folders, outdir, cache if all(clean.values()) else None) for name in checks
        }
        return AssemblyRun(
            outdir=outdir,
            plan=plan,
            synthesized=tuple(unit.name for unit in missing),
            reused=tuple(unit.name for unit in plan.units if unit.name not in produced),
            validated=all(bool(unit["validated"]) and bool(unit["clean"]) for unit in units),
            checks=results,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_results(
    name: str, plan: UnitPlan, folders: dict[str, Path], assembly: Path, cache: UnitCache | None
) -> Results:
    """``name``'s results over every unit: from the cache, from the worker, or computed now."""
    check = UNIT_CHECKS[name]
    organization_keys = plan.organization_keys()
    out: Results = []
    for unit in plan.units:
        key = check_key(check, unit.key, organization_keys)
        results = cache.check(name, key) if cache is not None else None
        if results is None:
            computed = folders[unit.name] / "checks" / f"{name}.json"
            if computed.is_file():
                results = json.loads(computed.read_text(encoding="utf-8"))
            else:
                results = check.run(folders[unit.name], assembly)
            if cache is not None:
                cache.put_check(name, key, results)
        out.extend(results)
    return out
