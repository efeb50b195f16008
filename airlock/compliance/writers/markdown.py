"""A Markdown summary, for a pull-request comment or a CI job summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.compliance.report import Finding
from airlock.compliance.writers.text import overdue_count

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult


def _cell(text: object) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def _where(finding: Finding, result: CheckResult) -> str:
    spec = f"<br>{result.spec_uri}:{finding.origin_line} (`{finding.origin}`)" if finding.origin_line else ""
    if not finding.template:
        return f"`{finding.path}`{spec}"
    line = f":{finding.line}" if finding.line else ""
    return f"`{finding.path}`{spec}<br>{result.uri(finding.template)}{line}"


def render_markdown(result: CheckResult) -> str:
    verdict = "passed" if result.passed else "FAILED"
    late = f" **{overdue_count(result)}** (`--fail-on-overdue`)." if result.overdue else ""
    lines = [
        f"# airlock check: {verdict}",
        "",
        f"Spec `{result.spec}`, checked by {', '.join(result.packs)}: "
        f"**{len(result.findings)}** unacknowledged findings, {len(result.warnings)} warnings, "
        f"{len(result.acknowledged)} acknowledged findings.{late}",
        "",
        "| stack | account | region | resources |",
        "|---|---|---|---:|",
    ]
    lines += [f"| {s.name} | {s.account} | {s.region} | {s.resources} |" for s in result.stacks]
    for name, reason in result.skipped:
        lines.append(f"| {name} (left out) | | | {_cell(reason)} |")
    sections = (
        ("Findings", result.findings, "acknowledge with"),
        ("Warnings", result.warnings, "fix"),
    )
    for title, findings, last in sections:
        if not findings:
            continue
        lines += ["", f"## {title}", "", f"| rule | resource | description | {last} |", "|---|---|---|---|"]
        for f in findings:
            tail = f.acknowledgement_id if last == "acknowledge with" and f.pack != "cfn-lint" else f.fix
            lines.append(f"| `{_cell(f.rule)}` | {_where(f, result)} | {_cell(f.description)} | {_cell(tail)} |")
    if result.overdue:
        lines += ["", "## Overdue reviews", "", "| integration | status | |", "|---|---|---|"]
        for state in result.overdue:
            lines.append(f"| {state.integration} | {state.status} | {_cell(state.message)} |")
    if result.acknowledged:
        lines += [
            "",
            "## Acknowledged findings",
            "",
            "| rule | resource | reason | owner | ticket |",
            "|---|---|---|---|---|",
        ]
        for f in result.acknowledged:
            lines.append(
                f"| `{_cell(f.rule)}` | `{_cell(f.path)}` | {_cell(f.reason)} | {_cell(f.owner)} | {_cell(f.ticket)} |"
            )
    return "\n".join(lines) + "\n"
