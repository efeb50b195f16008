"""Render a :class:`Report` as a terminal table, JSON or SARIF 2.1.0."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from airlock import __version__
from airlock.sarif import sarif_log
from airlock.verify.findings import Finding, Status
from airlock.verify.runner import Report

FORMATS = ("text", "json", "sarif")


def render(report: Report, fmt: str, *, spec_uri: str) -> str:
    if fmt == "text":
        return render_text(report)
    if fmt == "json":
        return render_json(report, spec_uri=spec_uri)
    if fmt == "sarif":
        return render_sarif(report, spec_uri=spec_uri)
    raise ValueError(f"format '{fmt}' is not one of {', '.join(FORMATS)}")


def _where(finding: Finding) -> str:
    return "/".join(part for part in (finding.integration or "organization", finding.account, finding.region) if part)


def summary_line(report: Report) -> str:
    counts = ", ".join(f"{report.count(status)} {status.value}" for status in Status)
    verdict = "matches the spec" if report.passed else "differs from the spec"
    return f"{len(report.findings)} results: {counts}; the deployment {verdict}"


def render_text(report: Report) -> str:
    """One row per finding: status, check id, where, resource, message."""
    header = ("STATUS", "CHECK", "WHERE", "RESOURCE", "MESSAGE")
    rows = [
        (finding.status.value, finding.check_id, _where(finding), finding.resource, finding.message)
        for finding in report.findings
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)), row[4]]).rstrip()
        for row in [header, *rows]
    ]
    lines.append("")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def render_json(report: Report, *, spec_uri: str) -> str:
    data = {
        "tool": "airlock verify",
        "version": __version__,
        "spec": spec_uri,
        "passed": report.passed,
        "summary": {status.value: report.count(status) for status in Status},
        "findings": [finding.to_dict() for finding in report.findings],
    }
    return json.dumps(data, indent=2) + "\n"


def _fingerprint(finding: Finding) -> str:
    key = "|".join([finding.check_id, finding.account or "", finding.region or "", finding.resource])
    return hashlib.sha256(key.encode()).hexdigest()


_SARIF_KIND = {Status.OK: ("pass", "none"), Status.DRIFT: ("fail", "error"), Status.MISSING: ("fail", "error")}


def render_sarif(report: Report, *, spec_uri: str) -> str:
    """SARIF 2.1.0: one rule per check id, one result per finding (``ok`` ones as ``pass``).

    Drift and missing resources are ``error`` results; a check that could not read the live
    state is a ``warning``. Each result points at the spec file and names the live resource
    as a logical location.
    """
    rule_ids = sorted({c.id for c in report.checks} | {f.check_id for f in report.findings})
    titles = {c.id: c for c in report.checks}
    rules = []
    for rule_id in rule_ids:
        known = titles.get(rule_id)
        rule: dict[str, Any] = {
            "id": rule_id,
            "shortDescription": {"text": known.title if known else rule_id},
            "help": {"text": f"See docs/verify.md, check {rule_id}."},
            "defaultConfiguration": {"level": "error"},
        }
        if known and known.description:
            rule["fullDescription"] = {"text": " ".join(known.description.split())}
        rules.append(rule)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    results = []
    for finding in report.findings:
        kind, level = _SARIF_KIND.get(finding.status, ("fail", "warning"))
        results.append(
            {
                "ruleId": finding.check_id,
                "ruleIndex": index[finding.check_id],
                "kind": kind,
                "level": level,
                "message": {"text": f"{finding.status.value}: {finding.message}"},
                "locations": [
                    {
                        "physicalLocation": {"artifactLocation": {"uri": spec_uri}},
                        "logicalLocations": [
                            {
                                "name": finding.resource,
                                "fullyQualifiedName": f"{_where(finding)}/{finding.resource}",
                                "kind": "resource",
                            }
                        ],
                    }
                ],
                "partialFingerprints": {"airlockVerify/v1": _fingerprint(finding)},
                "properties": {
                    "status": finding.status.value,
                    "integration": finding.integration,
                    "account": finding.account,
                    "region": finding.region,
                },
            }
        )
    return sarif_log({"name": "airlock-verify", "version": __version__, "rules": rules}, results)
