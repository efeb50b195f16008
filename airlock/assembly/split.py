"""Split a synthesized cloud assembly into one folder per unit.

A batch of units is synthesized as one CDK app; afterwards each unit's share is moved into
a folder of its own: its stacks' files (template, metadata, asset manifest), its manifest
entries, and its slice of the validation report (every violation of every plugin, split by
the stack its construct path starts with). ``unit.json`` in the folder holds the manifest
entries and the report slices; :mod:`airlock.assembly.merge` puts units back together.
The construct tree (``tree.json``) is not kept: nothing deploys or checks from it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airlock.assembly.units import UNIT_FORMAT, Unit

UNIT_FILE = "unit.json"
REPORT_FILE = "validation-report.json"
LEGACY_REPORT_FILE = "policy-validation-report.json"
#: Files of an assembly that are the same for every unit of a run.
SHARED_FILES = ("cdk.out", LEGACY_REPORT_FILE)
_REPORT_LISTS = ("violations", "suppressedViolations")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def artifact_files(artifact: dict[str, Any]) -> list[str]:
    """The files of the assembly that one manifest artifact names."""
    properties = artifact.get("properties") or {}
    names = [properties.get("templateFile"), artifact.get("additionalMetadataFile"), properties.get("file")]
    if artifact.get("type") == "cdk:tree":
        return []
    return [name for name in names if name]


def _owner(construct: dict[str, Any], stack_of_template: dict[str, str]) -> str:
    path = construct.get("constructPath") or ""
    if path:
        return path.lstrip("/").split("/", 1)[0]
    template = (construct.get("cloudFormationResource") or {}).get("templatePath") or ""
    return stack_of_template.get(Path(template).name, "")


def _slices(
    report: dict[str, Any], unit_of_stack: dict[str, str], stack_of_template: dict[str, str], names: Sequence[str]
) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    """Each unit's slice of every plugin report, and whether every plugin ran cleanly."""
    clean = True
    slices: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for plugin in report.get("pluginReports", []):
        error = (plugin.get("metadata") or {}).get("error")
        failed_alone = plugin.get("conclusion") == "failure" and not plugin.get("violations")
        clean = clean and not error and not failed_alone
        parts: dict[str, dict[str, list[dict[str, Any]]]] = {name: {k: [] for k in _REPORT_LISTS} for name in names}
        for kind in _REPORT_LISTS:
            for violation in plugin.get(kind) or []:
                grouped: dict[str, list[dict[str, Any]]] = {}
                for construct in violation.get("violatingConstructs", []):
                    unit = unit_of_stack.get(_owner(construct, stack_of_template))
                    if unit is not None:
                        grouped.setdefault(unit, []).append(construct)
                for unit, constructs in grouped.items():
                    parts[unit][kind].append({**violation, "violatingConstructs": constructs})
        for name in names:
            entry = {key: value for key, value in plugin.items() if key not in (*_REPORT_LISTS, "conclusion")}
            failed = plugin.get("conclusion") == "failure" and (
                bool(parts[name]["violations"]) or error is not None or failed_alone
            )
            entry["conclusion"] = "failure" if failed else "success"
            entry.update(parts[name])
            slices[name].append(entry)
    return slices, clean


def split_assembly(assembly: Path, units: Sequence[Unit], destination: Path) -> dict[str, Path]:
    """Move each unit's share of ``assembly`` into ``destination/<n>``; return the folders by unit name.

    Every stack of the assembly must belong to one of ``units``.
    """
    manifest = read_json(assembly / "manifest.json")
    unit_of_stack = {stack: unit.name for unit in units for stack in unit.stacks}
    artifacts: dict[str, list[tuple[str, dict[str, Any]]]] = {unit.name: [] for unit in units}
    shared: list[tuple[str, dict[str, Any]]] = []
    stack_of_template: dict[str, str] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        kind = artifact.get("type")
        if kind == "aws:cloudformation:stack":
            artifacts[unit_of_stack[artifact_id]].append((artifact_id, artifact))
            stack_of_template[artifact["properties"]["templateFile"]] = artifact_id
        elif kind == "cdk:asset-manifest":
            artifacts[unit_of_stack[artifact_id.removesuffix(".assets")]].append((artifact_id, artifact))
        elif kind != "cdk:tree":
            shared.append((artifact_id, artifact))
    report_file = assembly / REPORT_FILE
    report = read_json(report_file) if report_file.exists() else {"title": "Validation Report", "pluginReports": []}
    slices, clean = _slices(report, unit_of_stack, stack_of_template, [unit.name for unit in units])
    common = {
        "manifest": {key: value for key, value in manifest.items() if key != "artifacts"},
        "artifacts": shared,
        "report": {key: value for key, value in report.items() if key != "pluginReports"},
        "files": {
            name: (assembly / name).read_text(encoding="utf-8") for name in SHARED_FILES if (assembly / name).exists()
        },
    }
    folders = {}
    for number, unit in enumerate(units):
        folder = destination / str(number)
        folder.mkdir(parents=True)
        for _, artifact in artifacts[unit.name]:
            for name in artifact_files(artifact):
                os.replace(assembly / name, folder / name)
        validated = all(entry["conclusion"] == "success" for entry in slices[unit.name])
        write_json(
            folder / UNIT_FILE,
            {
                "format": UNIT_FORMAT,
                "unit": unit.name,
                "key": unit.key,
                "clean": clean,
                "validated": validated,
                "artifacts": artifacts[unit.name],
                "plugins": slices[unit.name],
                "shared": common,
            },
        )
        folders[unit.name] = folder
    return folders
