"""Report writers of ``airlock check``: each turns a :class:`CheckResult` into one file's text."""

from __future__ import annotations

from airlock.compliance.writers.json_report import render_json
from airlock.compliance.writers.junit import render_junit
from airlock.compliance.writers.markdown import render_markdown
from airlock.compliance.writers.sarif import render_sarif

#: (file name, writer) of every report ``airlock check`` writes.
ALL = (
    ("airlock-check.json", render_json),
    ("airlock-check.sarif", render_sarif),
    ("airlock-check.junit.xml", render_junit),
    ("airlock-check.md", render_markdown),
)

__all__ = ["ALL", "render_json", "render_junit", "render_markdown", "render_sarif"]
