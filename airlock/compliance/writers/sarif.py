"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning and others).

One run, tool ``saas-airlock``, with a rule per pack rule that has a result. Unacknowledged
findings are results of level ``error`` (``warning`` for cfn-lint warnings); acknowledged
findings are results with an accepted in-source suppression carrying the reason and owner.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from airlock.compliance.report import Finding
from airlock.sarif import sarif_log

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult

INFORMATION_URI = "https://github.com/saas-airlock/saas-airlock"
#: The rule of an overdue or never-assessed review that fails the run (--fail-on-overdue).
REVIEW_RULE = "airlock-review-overdue"


def base_rule(rule: str) -> str:
    """``AwsSolutions-IAM5[Action::kms:*]`` -> ``AwsSolutions-IAM5``: the rule, without the detail."""
    return rule.split("[", 1)[0]


def _level(finding: Finding) -> str:
    if finding.acknowledged or finding.blocking:
        return "error" if finding.severity in ("error", "fatal") or finding.blocking else "warning"
    return "warning"


def _result(finding: Finding, result: CheckResult, index: dict[str, int]) -> dict[str, Any]:
    rule = base_rule(finding.rule)
    detail = finding.rule[len(rule) :]
    text = f"{finding.rule}: {finding.description}" if detail else finding.description
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": finding.path or finding.stack or "app", "kind": "resource"}]
    }
    if finding.template:
        physical: dict[str, Any] = {"artifactLocation": {"uri": result.uri(finding.template)}}
        if finding.line:
            physical["region"] = {"startLine": finding.line}
        location["physicalLocation"] = physical
    fingerprint = hashlib.sha256(f"{finding.rule}|{finding.path}|{finding.logical_id}".encode()).hexdigest()
    out: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": _level(finding),
        "message": {"text": f"{text} ({finding.path})" if finding.path else text},
        "locations": [location],
        "partialFingerprints": {"airlockFinding/v1": fingerprint},
        "properties": {"pack": finding.pack, "constructPath": finding.path},
    }
    if finding.acknowledged:
        who = f" (owner: {finding.owner}" + (f", ticket: {finding.ticket})" if finding.ticket else ")")
        out["suppressions"] = [
            {"kind": "inSource", "status": "accepted", "justification": (finding.reason or "") + who}
        ]
    return out


def _review_results(result: CheckResult, index: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "ruleId": REVIEW_RULE,
            "ruleIndex": index[REVIEW_RULE],
            "level": "error",
            "message": {"text": state.message},
            "locations": [
                {
                    "physicalLocation": {"artifactLocation": {"uri": result.spec}},
                    "logicalLocations": [{"fullyQualifiedName": state.integration, "kind": "module"}],
                }
            ],
            "partialFingerprints": {
                "airlockReview/v1": hashlib.sha256(f"{state.integration}|{state.status}".encode()).hexdigest()
            },
            "properties": {"integration": state.integration, "status": state.status},
        }
        for state in result.overdue
    ]


def render_sarif(result: CheckResult) -> str:
    everything = [*result.findings, *result.warnings, *result.acknowledged]
    rules: dict[str, dict[str, Any]] = {}
    for finding in sorted(everything, key=lambda f: base_rule(f.rule)):
        rule = base_rule(finding.rule)
        if rule in rules:
            continue
        entry: dict[str, Any] = {
            "id": rule,
            "shortDescription": {"text": finding.description.split("\n", 1)[0][:1000] or rule},
            "defaultConfiguration": {"level": "error" if finding.blocking or finding.acknowledged else "warning"},
            "properties": {"pack": finding.pack},
        }
        if finding.fix and finding.fix.startswith("http"):
            entry["helpUri"] = finding.fix
        elif finding.fix:
            entry["help"] = {"text": finding.fix}
        rules[rule] = entry
    if result.overdue:
        rules[REVIEW_RULE] = {
            "id": REVIEW_RULE,
            "shortDescription": {"text": "The integration's review is overdue or it was never assessed"},
            "defaultConfiguration": {"level": "error"},
            "help": {"text": "Assess the integration and record review.last_assessed in the spec"},
            "properties": {"pack": "reviews"},
        }
    index = {rule: n for n, rule in enumerate(rules)}
    driver = {
        "name": "saas-airlock",
        "version": result.versions.get("saas-airlock", "0"),
        "informationUri": INFORMATION_URI,
        "rules": list(rules.values()),
    }
    return sarif_log(
        driver,
        [*(_result(f, result, index) for f in everything), *_review_results(result, index)],
        automationDetails={"id": f"airlock-check/{result.spec}"},
        properties={"packs": list(result.packs), "passed": result.passed},
    )
