"""The JSON report: every finding, warning and acknowledgement (with reason, owner and ticket)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from airlock.compliance.report import Finding

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult

SCHEMA_VERSION = 1


def finding_dict(finding: Finding, result: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pack": finding.pack,
        "rule": finding.rule,
        "severity": finding.severity,
        "description": finding.description,
        "constructPath": finding.path,
        "stack": finding.stack,
        "template": result.uri(finding.template) if finding.template else None,
        "logicalId": finding.logical_id,
        "line": finding.line,
        "fix": finding.fix,
        "specField": finding.origin,
        "specLine": finding.origin_line,
        "purpose": finding.purpose,
    }
    if finding.acknowledged:
        out |= {
            "acknowledgementId": finding.acknowledgement_id,
            "acknowledgedAt": finding.acknowledged_at,
            "reason": finding.reason,
            "owner": finding.owner,
            "ticket": finding.ticket,
        }
    elif finding.pack != "cfn-lint":
        out["acknowledgeWith"] = finding.acknowledgement_id
    return out


def render_json(result: CheckResult) -> str:
    report = {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": "saas-airlock", "versions": result.versions},
        "spec": result.spec,
        "passed": result.passed,
        "packs": list(result.packs),
        "summary": {
            "findings": len(result.findings),
            "warnings": len(result.warnings),
            "acknowledged": len(result.acknowledged),
            "overdueReviews": len(result.overdue),
        },
        "stacks": [
            {
                "name": stack.name,
                "account": stack.account,
                "region": stack.region,
                "resources": stack.resources,
                "template": result.uri(next((t.file for t in result.templates if t.stack == stack.name), None)),
            }
            for stack in result.stacks
        ],
        "skipped": [{"integration": name, "reason": reason} for name, reason in result.skipped],
        "findings": [finding_dict(f, result) for f in result.findings],
        "warnings": [finding_dict(f, result) for f in result.warnings],
        "acknowledged": [finding_dict(f, result) for f in result.acknowledged],
        # Reviews that fail the run (--fail-on-overdue): overdue or never assessed.
        "overdueReviews": [
            {
                "integration": state.integration,
                "status": state.status,
                "lastAssessed": state.last_assessed.isoformat() if state.last_assessed else None,
                "nextReview": state.next_review.isoformat() if state.next_review else None,
                "message": state.message,
            }
            for state in result.overdue
        ],
    }
    return json.dumps(report, indent=2) + "\n"
