"""``airlock diff`` output: plain text for a terminal, JSON for tools, Markdown for a PR comment."""

from __future__ import annotations

import json
from itertools import groupby

from airlock.changes.model import Change, ChangeReport

_MARK = {"added": "+", "removed": "-", "changed": "~"}


def verdict(report: ChangeReport) -> str:
    widening = [c for c in report.changes if c.widens]
    if widening:
        return (
            f"ACCESS WIDENS: {len(widening)} of {len(report.changes)} security-relevant changes let someone do, "
            "reach or trust more; a second approval is needed"
        )
    if report.changes:
        return f"{len(report.changes)} security-relevant changes, none widens access"
    return "no security-relevant changes"


def _where(change: Change) -> str:
    return f"{change.integration}: " if change.integration else ""


def render_text(report: ChangeReport) -> str:
    lines = [f"airlock diff {report.old} -> {report.new}", verdict(report)]
    for category, changes in groupby(report.sorted(), key=lambda c: c.category):
        lines.append(f"{category}:")
        for change in changes:
            flag = "  WIDENS" if change.widens else ""
            lines.append(f"  {_MARK[change.kind]} {_where(change)}{change.subject}: {change.detail}{flag}")
    if report.other:
        fields = ", ".join(report.other)
        lines.append(f"{len(report.other)} other changed fields bear on no security property: {fields}")
    return "\n".join(lines) + "\n"


def render_json(report: ChangeReport) -> str:
    data = {
        "old": report.old,
        "new": report.new,
        "widens": report.widens,
        "changes": [
            {
                "category": c.category,
                "kind": c.kind,
                "integration": c.integration,
                "subject": c.subject,
                "detail": c.detail,
                "widens": c.widens,
            }
            for c in report.sorted()
        ],
        "other": report.other,
    }
    return json.dumps(data, indent=2) + "\n"


def _cell(text: object) -> str:
    return str(text if text is not None else "-").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: ChangeReport) -> str:
    lines = [
        f"## airlock diff: `{report.old}` → `{report.new}`",
        "",
        f"**{verdict(report)}**" if report.widens else verdict(report),
        "",
    ]
    if report.changes:
        lines += ["| | category | integration | where | change |", "|---|---|---|---|---|"]
        for change in report.sorted():
            mark = f"{_MARK[change.kind]}{' ⚠️ widens' if change.widens else ''}"
            row = (mark, change.category, change.integration, f"`{change.subject}`", change.detail)
            lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
        lines.append("")
    if report.other:
        fields = ", ".join(f"`{field}`" for field in report.other)
        lines += [f"Other changed fields (no security property): {fields}", ""]
    return "\n".join(lines)
