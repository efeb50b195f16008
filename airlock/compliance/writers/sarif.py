"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, GitLab and others).

One run, tool ``saas-airlock``, with a rule per pack rule that has a result; each rule has
``help``, ``helpUri`` and a ``security-severity``. Unacknowledged findings are results of
level ``error`` (``warning`` for cfn-lint warnings); acknowledged findings are results with an
accepted in-source suppression carrying the reason and owner. A result is located where the
change is made: at the spec file and the line of the field that produced the resource
(:mod:`airlock.compliance.origins`), so a pull request's diff is annotated; the resource in the
synthesized template is a related location. A finding with no spec field is located in the
template.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from airlock.compliance.control_tower import DOCUMENTATION_URL as CONTROL_TOWER_HELP
from airlock.compliance.control_tower import PLUGIN_NAME as CONTROL_TOWER
from airlock.compliance.report import Finding
from airlock.sarif import sarif_log

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult

INFORMATION_URI = "https://github.com/saas-airlock/saas-airlock"
#: The rule of an overdue or never-assessed review that fails the run (--fail-on-overdue).
REVIEW_RULE = "airlock-review-overdue"


#: The project's documentation, where rules without a page of their own are explained.
DOCS = f"{INFORMATION_URI}/blob/main/docs"
#: Where each pack's rules are explained.
PACK_HELP = {
    "AwsSolutions": "https://github.com/cdklabs/cdk-nag/blob/main/RULES.md",
    "NIST.800.53.R5": "https://github.com/cdklabs/cdk-nag/blob/main/RULES.md",
    "HIPAA.Security": "https://github.com/cdklabs/cdk-nag/blob/main/RULES.md",
    "PCI.DSS.321": "https://github.com/cdklabs/cdk-nag/blob/main/RULES.md",
    "Airlock": f"{DOCS}/compliance.md#airlockchecks-rules",
    "Access": f"{DOCS}/access.md",
    "cfn-lint": "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md",
    CONTROL_TOWER: CONTROL_TOWER_HELP,
}
#: GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
ACCESS_SEVERITY = {
    "Access-BeyondGrants": "9.0",  # the vendor can do more than declared
    "Access-Probe": "9.0",  # a misuse is allowed
    "Access-Undecided": "7.0",  # the proof cannot tell: assume the worst short of a proven hole
    "Access-IneffectiveGrant": "4.0",  # the vendor cannot do what it needs: it breaks, it does not leak
    "Access-Flow": "4.0",
    "Access-Deployability": "4.0",
}


def security_severity(finding: Finding) -> str:
    """The rule's ``security-severity`` for code scanning."""
    if finding.pack == "Access":
        return ACCESS_SEVERITY.get(base_rule(finding.rule), "7.0")
    if finding.pack == "cfn-lint":
        return "5.0" if finding.blocking else "2.0"
    return "7.0" if finding.blocking or finding.acknowledged else "4.0"


def rule_entry(finding: Finding) -> dict[str, Any]:
    """A SARIF rule for ``finding``'s rule: description, help text and page, level and severity."""
    rule = base_rule(finding.rule)
    summary = finding.description.split("\n", 1)[0][:1000] or rule
    if finding.pack == "Access":
        remedy = "Access findings cannot be acknowledged: fix the spec or the construct (docs/access.md)."
    elif finding.pack == "cfn-lint":
        remedy = "Fix the template property cfn-lint names."
    else:
        remedy = (
            f'Fix the resource, or acknowledge the finding next to it: acknowledge(scope, "{rule}", '
            'reason="...", owner="...") from airlock.compliance (docs/compliance.md).'
        )
    fix = f"Fix: {finding.fix}\n" if finding.fix and not finding.fix.startswith(("http", "docs/")) else ""
    help_uri = finding.fix if finding.fix and finding.fix.startswith("http") else PACK_HELP.get(finding.pack, DOCS)
    return {
        "id": rule,
        "shortDescription": {"text": summary},
        "help": {"text": f"{summary}\n{fix}{remedy}"},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": "error" if finding.blocking or finding.acknowledged else "warning"},
        "properties": {"pack": finding.pack, "security-severity": security_severity(finding), "tags": ["security"]},
    }


def base_rule(rule: str) -> str:
    """``AwsSolutions-IAM5[Action::kms:*]`` -> ``AwsSolutions-IAM5``: the rule, without the detail."""
    return rule.split("[", 1)[0]


def _level(finding: Finding) -> str:
    if finding.acknowledged or finding.blocking:
        return "error" if finding.severity in ("error", "fatal") or finding.blocking else "warning"
    return "warning"


def _template_location(finding: Finding, result: CheckResult) -> dict[str, Any] | None:
    if not finding.template:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": result.uri(finding.template)}}
    if finding.line:
        physical["region"] = {"startLine": finding.line}
    return physical


def _result(finding: Finding, result: CheckResult, index: dict[str, int]) -> dict[str, Any]:
    rule = base_rule(finding.rule)
    detail = finding.rule[len(rule) :]
    text = f"{finding.rule}: {finding.description}" if detail else finding.description
    where = f"{finding.purpose}: {finding.path}" if finding.purpose and finding.path else finding.path
    logical = [{"fullyQualifiedName": finding.path or finding.stack or "app", "kind": "resource"}]
    location: dict[str, Any] = {"logicalLocations": logical}
    template = _template_location(finding, result)
    related: list[dict[str, Any]] = []
    if finding.origin_line:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": result.spec_uri},
            "region": {"startLine": finding.origin_line},
        }
        logical.insert(0, {"fullyQualifiedName": finding.origin, "kind": "member"})
        if template is not None:
            related.append(
                {"id": 1, "physicalLocation": template, "message": {"text": "the resource in the synthesized template"}}
            )
    elif template is not None:
        location["physicalLocation"] = template
    fingerprint = hashlib.sha256(f"{finding.rule}|{finding.path}|{finding.logical_id}".encode()).hexdigest()
    out: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": index[rule],
        "level": _level(finding),
        "message": {"text": f"{text} ({where})" if where else text},
        "locations": [location],
        "partialFingerprints": {"airlockFinding/v1": fingerprint},
        "properties": {"pack": finding.pack, "constructPath": finding.path, "specField": finding.origin},
    }
    if related:
        out["relatedLocations"] = related
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
        if rule not in rules:
            rules[rule] = rule_entry(finding)
    if result.overdue:
        rules[REVIEW_RULE] = {
            "id": REVIEW_RULE,
            "shortDescription": {"text": "The integration's review is overdue or it was never assessed"},
            "defaultConfiguration": {"level": "error"},
            "help": {"text": "Assess the integration and record review.last_assessed in the spec"},
            "helpUri": f"{DOCS}/registration.md",
            "properties": {"pack": "reviews", "security-severity": "4.0", "tags": ["security", "review"]},
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
