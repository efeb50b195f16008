"""What ``airlock access`` prints: each flow step by step, each probe, the effective access.

Text for people, JSON for machines; both name the deciding statement of every step
(template, logical id, Sid) so that a broken step leads straight to the policy to fix.
"""

from __future__ import annotations

import json
from typing import Any

from airlock.access.effective import EffectiveAccess
from airlock.access.model import Decision, Source
from airlock.access.proof import Proof
from airlock.access.steps import Flow, Probe, Step

_MARK = {"allow": "ok ", "deny": "NO ", "undecided": "?? "}


def _source(source: Source) -> dict[str, Any]:
    return {
        "kind": source.kind,
        "template": source.template,
        "logical_id": source.logical_id,
        "name": source.name,
        "sid": source.sid,
        "index": source.index,
    }


def _decision(decision: Decision) -> dict[str, Any]:
    return {
        "verdict": decision.verdict.value,
        "reason": decision.reason,
        "deciding": [_source(source) for source in decision.deciding],
        "assumptions": list(decision.assumptions),
    }


def _step(step: Step) -> dict[str, Any]:
    return {"title": step.title, "kind": step.kind, **dict(step.detail), "decision": _decision(step.decision)}


def flow_json(flow: Flow) -> dict[str, Any]:
    return {
        "integration": flow.integration,
        "name": flow.name,
        "declared_by": flow.origin,
        "verdict": flow.verdict.value,
        "steps": [_step(step) for step in flow.steps],
    }


def probe_json(probe: Probe) -> dict[str, Any]:
    return {
        "integration": probe.integration,
        "name": probe.name,
        "why": probe.why,
        "denied": probe.passed,
        "step": _step(probe.step),
    }


def access_json(result: EffectiveAccess) -> dict[str, Any]:
    def rows(items: list[Any]) -> list[dict[str, Any]]:
        return [
            {"action": a.action, "resource": a.resource, "via": a.via, "role": a.role, "context": a.context}
            for a in items
        ]

    return {
        "integration": result.integration,
        "principal": result.principal,
        "equal_to_grants": result.equal,
        "allowed": rows(result.allowed),
        "beyond_grants": rows(result.beyond),
        "ineffective_grants": rows(result.ineffective),
        "requests_evaluated": result.evaluated,
        "actions_implicitly_denied": result.pruned,
    }


def render_json(proof: Proof) -> str:
    deploy = proof.deploy
    document = {
        "passed": proof.passed,
        "flows": [flow_json(flow) for flow in proof.flows],
        "probes": [probe_json(probe) for probe in proof.probes],
        "effective_access": [access_json(result) for result in proof.access],
        "deployability": {
            "permissions_checked": deploy.checked if deploy else 0,
            "stacks": deploy.stacks if deploy else 0,
            "denied": [
                {
                    "stack": d.stack,
                    "logical_id": d.logical_id,
                    "type": d.resource_type,
                    "handler": d.handler,
                    "permission": d.permission,
                    "decision": _decision(d.decision),
                }
                for d in (deploy.denials if deploy else [])
            ],
        },
        "assumptions": proof.assumptions,
        "failures": [failure.__dict__ for failure in proof.failures()],
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _step_lines(step: Step) -> list[str]:
    decision = step.decision
    lines = [f"    {_MARK[decision.verdict.value]}{step.title}"]
    lines.append(f"        {decision.reason}")
    lines += [f"        assuming {assumption}" for assumption in decision.assumptions]
    return lines


def render_text(proof: Proof) -> str:
    lines: list[str] = []
    integration = None
    for flow in proof.flows:
        if flow.integration != integration:
            integration = flow.integration
            lines.append(f"{integration}:")
        lines.append(f"  flow {flow.name} [{flow.verdict.value}]  (declared by {flow.origin})")
        for step in flow.steps:
            lines += _step_lines(step)
    denied = sum(probe.passed for probe in proof.probes)
    lines.append(f"probes: {denied} of {len(proof.probes)} denied")
    for probe in proof.probes:
        if not probe.passed:
            lines.append(f"  NOT DENIED {probe.integration}: {probe.name} ({probe.why})")
            lines += _step_lines(probe.step)
    for result in proof.access:
        state = "equal to its grants" if result.equal else "NOT equal to its grants"
        lines.append(
            f"effective access of {result.principal} ({result.integration}): {len(result.allowed)} allowed, {state}; "
            f"{result.evaluated} requests evaluated, {result.pruned} actions implicitly denied"
        )
        for access in result.allowed:
            lines.append(f"  {access.describe()}")
        for access in result.beyond:
            lines.append(f"  BEYOND GRANTS: {access.describe()}")
        for access in result.ineffective:
            lines.append(f"  INEFFECTIVE GRANT: {access.describe()}")
    if proof.deploy is not None:
        deploy = proof.deploy
        lines.append(
            f"deployability: {deploy.checked} handler permissions of {deploy.stacks} stacks checked, "
            f"{len(deploy.denials)} denied"
        )
        for denial in deploy.denials:
            lines.append(f"  NO {denial.message()}")
    for assumption in proof.assumptions:
        lines.append(f"assumed: {assumption}")
    failures = proof.failures()
    lines.append("access proof: passed" if not failures else f"access proof: FAILED ({len(failures)} failures)")
    return "\n".join(lines) + "\n"
