"""Put unit folders (:mod:`airlock.assembly.split`) back together into one cloud assembly.

The result is a function of the units' contents and their order alone: units reused from
the cache and units synthesized in this run give the same bytes. Stack dependencies across
units, which no unit's own app could declare, come from the plan.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airlock.assembly.split import REPORT_FILE, UNIT_FILE, artifact_files, read_json, write_json
from airlock.assembly.units import UnitPlan


def _merge_plugins(units: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for unit in units:
        for entry in unit["plugins"]:
            name = entry.get("pluginName", "")
            target = merged.get(name)
            if target is None:
                merged[name] = {
                    **entry,
                    "violations": list(entry["violations"]),
                    "suppressedViolations": list(entry["suppressedViolations"]),
                }
                continue
            if entry["conclusion"] == "failure":
                target["conclusion"] = "failure"
            if "metadata" in entry and "metadata" not in target:
                target["metadata"] = entry["metadata"]
            target["violations"].extend(entry["violations"])
            target["suppressedViolations"].extend(entry["suppressedViolations"])
    return list(merged.values())


def merge_units(folders: Sequence[Path], plan: UnitPlan, outdir: Path) -> list[dict[str, Any]]:
    """Write the assembly of ``folders`` (in assembly order) into ``outdir``, which must not exist;
    return each unit's ``unit.json``."""
    outdir.mkdir(parents=True)
    units = [read_json(folder / UNIT_FILE) for folder in folders]
    if not units:
        raise ValueError("no units to merge; a landing zone has at least its organization stack")
    artifacts: dict[str, Any] = {}
    for folder, unit in zip(folders, units, strict=True):
        for artifact_id, artifact in unit["artifacts"]:
            for name in artifact_files(artifact):
                shutil.copyfile(folder / name, outdir / name)
            if artifact.get("type") == "aws:cloudformation:stack":
                own = artifact.get("dependencies") or []
                artifact = {**artifact, "dependencies": list(dict.fromkeys([*plan.dependencies[artifact_id], *own]))}
            artifacts[artifact_id] = artifact
    shared = units[0]["shared"]
    for artifact_id, artifact in shared["artifacts"]:
        artifacts[artifact_id] = artifact
    manifest = {**shared["manifest"], "artifacts": artifacts}
    ordered = {key: manifest[key] for key in ("version", "artifacts") if key in manifest}
    write_json(outdir / "manifest.json", {**ordered, **manifest})
    write_json(outdir / REPORT_FILE, {**shared["report"], "pluginReports": _merge_plugins(units)})
    for name, text in shared["files"].items():
        (outdir / name).write_text(text, encoding="utf-8")
    return units
