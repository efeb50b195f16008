"""The terminal summary ``airlock check`` prints when it is done."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult


def render_text(result: CheckResult) -> str:
    from airlock.compliance.writers import ALL

    verdict = "passed" if result.passed else "FAILED"
    lines = [
        f"check {verdict}: {len(result.stacks)} stacks, packs {', '.join(result.packs)}",
        f"  {len(result.findings)} unacknowledged findings, {len(result.warnings)} warnings, "
        f"{len(result.acknowledged)} acknowledged findings",
    ]
    for finding in result.findings:
        where = f"{result.uri(finding.template)}:{finding.line}" if finding.template and finding.line else ""
        lines.append(f"  {finding.rule}  {finding.path}  {finding.description[:160]}  {where}".rstrip())
    for name, reason in result.skipped:
        lines.append(f"  skipped {name}: {reason}")
    lines.append("reports: " + ", ".join(str(result.outdir / name) for name, _ in ALL))
    return "\n".join(lines)
