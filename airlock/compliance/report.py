"""Read the validation report that CDK writes into the cloud assembly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPORT_FILE = "validation-report.json"
#: The older report format, still written beside the new one; read when the new one is absent.
LEGACY_REPORT_FILE = "policy-validation-report.json"


@dataclass(frozen=True)
class Finding:
    pack: str
    rule: str
    description: str
    path: str
    severity: str
    reason: str | None = None  # set for acknowledged findings


@dataclass(frozen=True)
class ComplianceResult:
    findings: tuple[Finding, ...] = ()
    acknowledged: tuple[Finding, ...] = ()
    packs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return not self.findings


def _findings(report: dict[str, Any], key: str) -> list[Finding]:
    out = []
    for plugin in report.get("pluginReports", []):
        for violation in plugin.get(key, []):
            for construct in violation.get("violatingConstructs", []):
                out.append(
                    Finding(
                        pack=plugin.get("pluginName", ""),
                        rule=violation.get("ruleName", ""),
                        description=violation.get("description", ""),
                        path=construct.get("constructPath", ""),
                        severity=violation.get("severity", ""),
                        reason=violation.get("reason"),
                    )
                )
    return sorted(out, key=lambda f: (f.pack, f.rule, f.path))


def _plugin_failures(report: dict[str, Any]) -> list[Finding]:
    """A plugin that failed without naming a violation (it could not run) is a finding too."""
    out = []
    for plugin in report.get("pluginReports", []):
        summary = plugin.get("summary", {})
        name = plugin.get("pluginName") or summary.get("pluginName", "")
        status = plugin.get("conclusion") or summary.get("status")
        if status == "failure" and not plugin.get("violations"):
            error = (plugin.get("metadata") or summary.get("metadata") or {}).get("error", "the plugin failed")
            out.append(
                Finding(pack=name, rule=f"{name}-PluginFailed", description=str(error), path="", severity="error")
            )
    return out


def read_report(outdir: str | Path) -> ComplianceResult:
    """Findings and acknowledgements from ``outdir``'s validation report (empty if none was written)."""
    path = Path(outdir) / REPORT_FILE
    if not path.exists():
        path = Path(outdir) / LEGACY_REPORT_FILE
        if not path.exists():
            return ComplianceResult()
    report = json.loads(path.read_text(encoding="utf-8"))
    packs = tuple(
        sorted(
            {p.get("pluginName") or p.get("summary", {}).get("pluginName", "") for p in report.get("pluginReports", [])}
        )
    )
    return ComplianceResult(
        findings=tuple(_plugin_failures(report) + _findings(report, "violations")),
        acknowledged=tuple(_findings(report, "suppressedViolations")),
        packs=packs,
    )
