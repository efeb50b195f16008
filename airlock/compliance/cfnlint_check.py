"""cfn-lint over every template of a cloud assembly, through cfn-lint's Python API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from airlock.compliance.report import Finding

PACK = "cfn-lint"


@dataclass(frozen=True)
class Template:
    """One stack template of an assembly."""

    stack: str
    file: str  # relative to the assembly
    region: str | None


@lru_cache(maxsize=1)
def _rules() -> Any:
    from cfnlint.core import get_rules

    return get_rules([], [], [])  # the default rules: errors and warnings, no informational ones


def cfn_lint_version() -> str:
    from cfnlint.version import __version__

    return str(__version__)


def lint_templates(outdir: Path, templates: Iterable[Template], paths: dict[tuple[str, str], str]) -> list[Finding]:
    """cfn-lint findings of each template: errors block, warnings are reported only.

    ``paths`` maps (stack, logical id) to the construct path, so a finding names the construct.
    """
    from cfnlint.api import lint

    findings = []
    for template in templates:
        text = (outdir / template.file).read_text(encoding="utf-8")
        regions = [template.region] if template.region else None
        for match in lint(text, rules=_rules(), regions=regions):
            where = list(getattr(match, "path", None) or [])
            logical_id = str(where[1]) if len(where) > 1 and where[0] == "Resources" else None
            rule = match.rule
            findings.append(
                Finding(
                    pack=PACK,
                    rule=f"{PACK}-{rule.id}",
                    description=f"{match.message} ({rule.shortdesc})",
                    path=paths.get((template.stack, logical_id or ""), template.stack),
                    severity="error" if rule.severity == "error" else "warning",
                    template=template.file,
                    logical_id=logical_id,
                    fix=rule.source_url or None,
                    blocking=rule.severity == "error",
                    line=int(match.linenumber) if match.linenumber else None,
                )
            )
    return sorted(findings, key=lambda f: (f.template or "", f.line or 0, f.rule))


def lint_unit(folder: Path) -> list[dict[str, Any]]:
    """cfn-lint findings of the templates of one synthesis unit (:mod:`airlock.assembly`), as dictionaries."""
    import json
    from dataclasses import asdict

    unit = json.loads((folder / "unit.json").read_text(encoding="utf-8"))
    templates, paths = [], {}
    for name, artifact in unit["artifacts"]:
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        region = artifact.get("environment", "").rpartition("/")[2]
        templates.append(
            Template(
                stack=name,
                file=artifact["properties"]["templateFile"],
                region=None if region in ("", "unknown-region") else region,
            )
        )
        metadata_file = artifact.get("additionalMetadataFile")
        blocks = [artifact.get("metadata") or {}]
        if metadata_file and (folder / metadata_file).exists():
            blocks.append(json.loads((folder / metadata_file).read_text(encoding="utf-8")))
        for block in blocks:
            for path, entries in block.items():
                for entry in entries:
                    if entry.get("type") == "aws:cdk:logicalId":
                        clean = path.lstrip("/")
                        paths[(clean.split("/", 1)[0], entry.get("data"))] = clean
    return [asdict(finding) for finding in lint_templates(folder, templates, paths)]
