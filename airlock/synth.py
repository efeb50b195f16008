"""Synthesis as a function: spec in, cloud assembly and compliance result out.

Shared by the ``airlock`` command and ``app.py`` (which the CDK CLI runs).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from airlock.compliance import DEFAULT_PACKS, ComplianceResult, read_report
from airlock.limits import LIMITS, WARN_SHARE, check_assembly, stack_artifacts
from airlock.spec import Spec, load, load_account_lock
from airlock.stacks import LandingZone, build, new_app

VALIDATION_FAILED = "ValidationFailed"


@dataclass(frozen=True)
class StackSummary:
    name: str
    account: str
    region: str
    resources: int
    template_bytes: int


@dataclass(frozen=True)
class SynthResult:
    outdir: Path
    stacks: tuple[StackSummary, ...]
    compliance: ComplianceResult
    packs: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return self.compliance.passed


def is_validation_failure(exc: BaseException) -> bool:
    return VALIDATION_FAILED in str(exc)


def synth_app(
    spec: Spec, outdir: Path, *, spec_path: Path | None = None, packs: Sequence[str] = DEFAULT_PACKS
) -> tuple[LandingZone, bool]:
    """Synthesize into ``outdir``; return the landing zone and whether validation passed.

    Raises :class:`airlock.limits.AssemblyError` if a stack is over a CloudFormation limit
    (500 resources, 1 MB template, 200 outputs or parameters) or an account would get a
    region-independent resource twice.
    """
    app = new_app(outdir)
    lock = load_account_lock(spec_path) if spec_path is not None else None
    zone = build(app, spec, lock=lock, packs=packs)
    passed = True
    try:
        app.synth()
    except RuntimeError as exc:  # jsii surfaces ValidationFailed as RuntimeError
        if not is_validation_failure(exc):
            raise
        passed = False
    check_assembly(outdir)
    return zone, passed


def summarize(
    outdir: Path, *, packs: Sequence[str] = DEFAULT_PACKS, skipped: Sequence[tuple[str, str]] = ()
) -> SynthResult:
    """Read a cloud assembly: stacks, resource counts and the compliance report."""
    stacks = []
    for name, artifact, folder in stack_artifacts(outdir):
        template_file = folder / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text(encoding="utf-8"))
        environment = artifact.get("environment", "aws://unknown/unknown").removeprefix("aws://")
        account, _, region = environment.partition("/")
        stacks.append(
            StackSummary(
                name=artifact.get("displayName", name),
                account=account,
                region=region,
                resources=len(template.get("Resources", {})),
                template_bytes=template_file.stat().st_size,
            )
        )
    return SynthResult(
        outdir=outdir,
        stacks=tuple(stacks),
        compliance=read_report(outdir),
        packs=tuple(dict.fromkeys(("AwsSolutions", *packs))),
        skipped=tuple(skipped),
    )


def synth(spec_path: str | Path, outdir: str | Path, *, packs: Sequence[str] = DEFAULT_PACKS) -> SynthResult:
    """Load, build and synthesize ``spec_path`` into ``outdir``.

    The spec is validated before anything is written; the assembly is built in a sibling
    temporary folder and moved into place only when synthesis completes, so a failed run
    never leaves half an assembly behind.
    """
    spec_path = Path(spec_path)
    outdir = Path(outdir)
    spec = load(spec_path)
    load_account_lock(spec_path)  # a broken lock file is bad input too: fail before writing
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        zone, _ = synth_app(spec, staging, spec_path=spec_path, packs=packs)
        if outdir.exists():
            shutil.rmtree(outdir)
        os.replace(staging, outdir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summarize(outdir, packs=packs, skipped=zone.skipped)


def render_summary(result: SynthResult) -> str:
    lines = [f"{len(result.stacks)} stacks synthesized into {result.outdir}/"]
    width = max((len(s.name) for s in result.stacks), default=0)
    for stack in result.stacks:
        lines.append(
            f"  {stack.name:<{width}}  {stack.account} {stack.region:<14} "
            f"{stack.resources:>4} resources  {stack.template_bytes / 1024:7.1f} KiB"
        )
    for name, reason in result.skipped:
        lines.append(f"  skipped {name}: {reason}")
    for stack in result.stacks:
        for what, value, limit in (
            ("resources", stack.resources, LIMITS["Resources"]),
            ("template bytes", stack.template_bytes, LIMITS["bytes"]),
        ):
            if value >= limit * WARN_SHARE:
                lines.append(f"  note: {stack.name} has {value:,} {what}, close to CloudFormation's limit of {limit:,}")
    compliance = result.compliance
    packs = ", ".join(result.packs)
    if compliance.passed:
        lines.append(
            f"compliance: passed ({packs}); {len(compliance.acknowledged)} acknowledged findings, "
            "listed with reasons in validation-report.json"
        )
    else:
        lines.append(f"compliance: FAILED ({packs}); {len(compliance.findings)} unacknowledged findings:")
        for finding in compliance.findings:
            lines.append(f"  {finding.rule}  {finding.path}  {finding.description}")
    lines.append(f"report: {result.outdir / 'validation-report.json'}")
    return "\n".join(lines)
