"""JUnit XML, which every CI system shows as test results.

One test suite per pack; per stack a passing test case when the pack found nothing there,
a failing one per unacknowledged finding, and a skipped one per acknowledged finding whose
message carries the reason and owner. cfn-lint warnings pass, with the warning as output.
With ``--fail-on-overdue``, a ``reviews`` suite holds a failing test per review that fails the run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from airlock.compliance.packs import PLUGIN_NAMES
from airlock.compliance.report import Finding

if TYPE_CHECKING:
    from airlock.compliance.check import CheckResult


def _case(suite: ET.Element, pack: str, stack: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=f"{pack}.{stack or 'app'}", name=name)


def _details(finding: Finding, result: CheckResult) -> str:
    lines = [f"{finding.rule} on {finding.path or finding.stack}", finding.description]
    if finding.template:
        where = result.uri(finding.template) + (f":{finding.line}" if finding.line else "")
        lines.append(f"template: {where} ({finding.logical_id})")
    if finding.fix:
        lines.append(f"fix: {finding.fix}")
    if not finding.acknowledged and finding.pack != "cfn-lint" and finding.acknowledgement_id:
        lines.append(f"acknowledge with: {finding.acknowledgement_id}")
    return "\n".join(lines)


def render_junit(result: CheckResult) -> str:
    by_pack: dict[str, list[Finding]] = defaultdict(list)
    for finding in [*result.findings, *result.acknowledged, *result.warnings]:
        by_pack[finding.pack].append(finding)
    plugins = list(dict.fromkeys([*(PLUGIN_NAMES.get(p, p) for p in result.packs), *by_pack]))
    root = ET.Element("testsuites", name="airlock check")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    stacks = [stack.name for stack in result.stacks]
    for pack in plugins:
        findings = by_pack.get(pack, [])
        suite = ET.SubElement(root, "testsuite", name=pack)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for stack in stacks:
            here = [f for f in findings if f.stack == stack]
            if not any(f in result.findings for f in here):
                _case(suite, pack, stack, "no unacknowledged findings")
                counts["tests"] += 1
        for finding in findings:
            case = _case(suite, pack, finding.stack, f"{finding.rule} {finding.path}".strip())
            counts["tests"] += 1
            if finding.acknowledged:
                who = f"owner: {finding.owner}" + (f", ticket: {finding.ticket}" if finding.ticket else "")
                ET.SubElement(case, "skipped", message=f"acknowledged ({who}): {finding.reason}")
                counts["skipped"] += 1
            elif finding in result.findings:
                failure = ET.SubElement(case, "failure", message=finding.description[:500], type=finding.rule)
                failure.text = _details(finding, result)
                counts["failures"] += 1
            else:
                ET.SubElement(case, "system-out").text = "warning: " + _details(finding, result)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    if result.overdue:
        suite = ET.SubElement(root, "testsuite", name="reviews")
        for state in result.overdue:
            case = ET.SubElement(suite, "testcase", classname="reviews", name=state.integration)
            ET.SubElement(case, "failure", message=state.message, type=f"review-{state.status}").text = state.message
        count = len(result.overdue)
        for key, value in (("tests", count), ("failures", count), ("skipped", 0), ("errors", 0)):
            suite.set(key, str(value))
        totals["tests"] += count
        totals["failures"] += count
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
