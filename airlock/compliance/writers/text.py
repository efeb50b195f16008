"""The terminal summary ``airlock check`` prints when it is done."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult


def overdue_count(result: CheckResult) -> str:
    """``1 review overdue or never assessed`` (every report's words for what failed the run)."""
    count = len(result.overdue)
    return f"{count} review{'s' if count != 1 else ''} overdue or never assessed"


def render_text(result: CheckResult) -> str:
    from airlock.compliance.writers import ALL

    verdict = "passed" if result.passed else "FAILED"
    late = f"; {overdue_count(result)}" if result.overdue else ""
    lines = [
        f"check {verdict}: {len(result.stacks)} stacks, packs {', '.join(result.packs)}{late}",
        f"  {len(result.findings)} unacknowledged findings, {len(result.warnings)} warnings, "
        f"{len(result.acknowledged)} acknowledged findings",
    ]
    for finding in result.findings:
        where = f"{result.uri(finding.template)}:{finding.line}" if finding.template and finding.line else ""
        if finding.origin_line:
            where = f"{result.spec_uri}:{finding.origin_line} ({finding.origin})"
        lines.append(f"  {finding.rule}  {finding.path}  {finding.description[:160]}  {where}".rstrip())
    for name, reason in result.skipped:
        lines.append(f"  skipped {name}: {reason}")
    for state in result.overdue:
        lines.append(f"review {state.status}: {state.message}")
    lines.append("reports: " + ", ".join(str(result.outdir / name) for name, _ in ALL))
    return "\n".join(lines)
