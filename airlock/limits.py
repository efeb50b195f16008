"""CloudFormation's per-stack limits, checked on the synthesized templates.

CloudFormation refuses a stack with more than 500 resources, a template above 1 MB
(uploaded through S3, as the CDK does) or more than 200 parameters, outputs or mappings,
but only at deploy time and with a terse message. airlock measures every template of the
cloud assembly right after synthesis and stops with an error that names each stack, what
it counts and what to change, so an oversized landing zone never reaches CloudFormation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airlock.layout import ACCOUNT_STACK_PREFIX, ORGANIZATION_STACK

#: Per-stack limits: template section -> most entries, and "bytes" -> largest template
#: (CloudFormation: "Template may not exceed 1000000 bytes in size", for a template in S3).
LIMITS: dict[str, int] = {
    "Resources": 500,
    "Outputs": 200,
    "Parameters": 200,
    "Mappings": 200,
    "bytes": 1_000_000,
}
#: A stack at or above this share of a limit is noted as close to it in the synth summary.
WARN_SHARE = 0.8

_UNITS = {
    "Resources": "resources",
    "Outputs": "outputs",
    "Parameters": "parameters",
    "Mappings": "mappings",
    "bytes": "template bytes",
}
_FIX = {
    "Resources": "declare fewer buffers or endpoints in this integration, or split it into two integrations",
    "Outputs": "declare fewer buffers in this integration, or split it into two integrations",
    "Parameters": "declare fewer buffers in this integration, or split it into two integrations",
    "Mappings": "declare fewer buffers in this integration, or split it into two integrations",
    "bytes": "declare fewer buffers or endpoints in this integration, or split it into two integrations",
}

#: The pipeline stack grows with the number of integration stacks it deploys.
PIPELINE_STACK = "airlock-pipeline"
_PIPELINE_FIX = (
    "the pipeline deploys too many stacks: split the landing zone into two specs, each with its own pipeline"
)
_ORGANIZATION_FIX = (
    "this stack holds the OU tree, the OU guardrails, the kill switch, the bootstrap StackSet and the accounts of "
    "organization.layout.kept_in_organization_stack: declare fewer sub-OUs (organization.ous), or move kept "
    "accounts into the account stacks with the retain-and-import procedure of docs/deployment-at-scale.md"
)
_ACCOUNT_STACK_FIX = (
    "this stack holds the accounts and account guardrails of the integrations hashed into it: raise "
    "organization.layout.account_stacks (this moves some integrations into the new stacks; follow "
    "docs/deployment-at-scale.md for their created accounts), or attach fewer account guardrails "
    "(integrations[].guardrails.account)"
)


def fix_for(stack: str, section: str) -> str:
    """What to change when ``stack`` is over the limit of ``section``, in that stack's terms."""
    if stack == PIPELINE_STACK:
        return _PIPELINE_FIX
    if stack == ORGANIZATION_STACK:
        return _ORGANIZATION_FIX
    if stack.startswith(ACCOUNT_STACK_PREFIX):
        return _ACCOUNT_STACK_FIX
    return _FIX[section]


@dataclass(frozen=True)
class StackMeasure:
    """What one synthesized template counts, against CloudFormation's limits."""

    stack: str
    template_file: Path
    resources: int
    outputs: int
    parameters: int
    mappings: int
    template_bytes: int

    def value(self, section: str) -> int:
        return {
            "Resources": self.resources,
            "Outputs": self.outputs,
            "Parameters": self.parameters,
            "Mappings": self.mappings,
            "bytes": self.template_bytes,
        }[section]


@dataclass(frozen=True)
class LimitBreach:
    stack: str
    section: str
    value: int
    limit: int

    def __str__(self) -> str:
        unit = _UNITS[self.section]
        fix = fix_for(self.stack, self.section)
        return f"stack {self.stack} has {self.value:,} {unit}; CloudFormation allows at most {self.limit:,}: {fix}"


class AssemblyError(Exception):
    """A synthesized assembly CloudFormation would refuse; lists every problem at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = [f"{len(problems)} problem(s) in the synthesized stacks; CloudFormation would refuse to deploy them:"]
        lines += [f"  {problem}" for problem in problems]
        super().__init__("\n".join(lines))


def stack_artifacts(outdir: Path) -> Iterator[tuple[str, dict[str, Any], Path]]:
    """Every stack artifact of the assembly in ``outdir``, nested assemblies (stages) included.

    Yields (artifact id, artifact, folder of the assembly that holds it), sorted by id.
    """
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        kind = artifact.get("type")
        if kind == "aws:cloudformation:stack":
            yield artifact_id, artifact, outdir
        elif kind == "cdk:cloud-assembly":
            yield from stack_artifacts(outdir / artifact["properties"]["directoryName"])


def _stacks(outdir: Path) -> Iterator[tuple[StackMeasure, str, str | None, dict[str, Any]]]:
    """(measure, account, region, parsed template) of every stack in the assembly."""
    for artifact_id, artifact, folder in stack_artifacts(outdir):
        template_file = folder / artifact["properties"]["templateFile"]
        text = template_file.read_bytes()
        template = json.loads(text)
        environment = artifact.get("environment", "aws://unknown/unknown").removeprefix("aws://")
        measure = StackMeasure(
            stack=artifact.get("displayName", artifact_id),
            template_file=template_file,
            resources=len(template.get("Resources", {})),
            outputs=len(template.get("Outputs", {})),
            parameters=len(template.get("Parameters", {})),
            mappings=len(template.get("Mappings", {})),
            template_bytes=len(text),
        )
        account, _, region = environment.partition("/")
        yield measure, account, region if region and region != "unknown-region" else None, template


def measure(outdir: str | Path) -> list[StackMeasure]:
    """Count resources, outputs, parameters, mappings and template bytes of every stack."""
    return [measure for measure, _, _, _ in _stacks(Path(outdir))]


def breaches(measures: list[StackMeasure], *, share: float = 1.0) -> list[LimitBreach]:
    """Every (stack, section) above ``share`` of its limit (1.0: over the limit itself)."""
    found = []
    for stack in measures:
        for section, limit in LIMITS.items():
            value = stack.value(section)
            if value > limit * share:
                found.append(LimitBreach(stack.stack, section, value, limit))
    return found


def check_assembly(outdir: str | Path) -> list[StackMeasure]:
    """Measure every stack in ``outdir`` and check it against CloudFormation's limits.

    Also checks that no account gets a region-independent resource from two stacks. Raises
    :class:`AssemblyError` naming each stack and its count; returns the measures otherwise.
    """
    from airlock.stacks.placement import StackTemplate, duplicated_global_resources

    stacks = list(_stacks(Path(outdir)))
    measures = [measure for measure, _, _, _ in stacks]
    problems = [str(breach) for breach in breaches(measures)]
    problems += duplicated_global_resources(
        StackTemplate(measure.stack, account, template, region) for measure, account, region, template in stacks
    )
    if problems:
        raise AssemblyError(problems)
    return measures
