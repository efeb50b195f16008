"""Synthesis as a function: spec in, cloud assembly and compliance result out.

Shared by the ``airlock`` command and ``app.py`` (which the CDK CLI runs).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airlock.compliance import ComplianceResult, read_report
from airlock.compliance.report import assembly_metadata
from airlock.limits import LIMITS, WARN_SHARE, check_assembly, stack_artifacts
from airlock.spec import AccountLock, Spec, load, load_account_lock
from airlock.stacks import LandingZone, build, new_app
from airlock.stacks.integration import ARCHITECTURE_METADATA
from airlock.stacks.landing_zone import PACKS_METADATA

if TYPE_CHECKING:
    from airlock.assembly import AssemblyRun

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
    #: False when synthesis stopped on a validation failure, whatever the report says.
    validated: bool = True
    #: Deployment architecture per integration (airlock.spec.impact data, read from the templates).
    architectures: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    #: The synthesis in units (None when the landing zone was synthesized as one app).
    run: AssemblyRun | None = None

    @property
    def passed(self) -> bool:
        return self.validated and self.compliance.passed


def is_validation_failure(exc: BaseException) -> bool:
    return VALIDATION_FAILED in str(exc)


#: The file beside the manifest that records the spec an assembly was built from.
SPEC_RECORD = "airlock-spec.json"


def record_spec(outdir: str | Path, spec: Spec, lock: AccountLock | None) -> None:
    """Write the validated spec (as set, defaults left out) and the known account ids into the
    assembly, so that ``airlock diff`` can compare a previous assembly with a spec."""
    recorded = {
        "spec": spec.model_dump(mode="json", exclude_unset=True),
        "accounts": dict(sorted((lock or AccountLock()).ids.items())),
    }
    (Path(outdir) / SPEC_RECORD).write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def synth_app(
    spec: Spec, outdir: Path, *, spec_path: Path | None = None, packs: Sequence[str] | None = None
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
    record_spec(outdir, spec, lock)
    return zone, passed


def _packs_of(outdir: Path) -> tuple[str, ...]:
    for _, data in assembly_metadata(outdir, PACKS_METADATA):
        return tuple(data or ())
    return ()


def summarize(outdir: Path, *, skipped: Sequence[tuple[str, str]] = (), validated: bool = True) -> SynthResult:
    """Read a cloud assembly: stacks, resource counts, the packs that ran and the compliance report."""
    stacks = []
    architectures: dict[str, dict[str, Any]] = {}
    for name, artifact, folder in stack_artifacts(outdir):
        template_file = folder / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text(encoding="utf-8"))
        environment = artifact.get("environment", "aws://unknown/unknown").removeprefix("aws://")
        account, _, region = environment.partition("/")
        architecture = template.get("Metadata", {}).get(ARCHITECTURE_METADATA)
        if architecture is not None:
            architectures.setdefault(architecture["integration"], architecture)
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
        packs=_packs_of(outdir),
        skipped=tuple(skipped),
        validated=validated,
        architectures=tuple(architectures[name] for name in sorted(architectures)),
    )


@contextmanager
def replacing(folder: Path) -> Iterator[Path]:
    """Write ``folder`` anew, in place; what it held comes back if the writing fails.

    The new contents go into ``folder`` itself, so every path printed while writing (the
    CDK's "A copy of this report can be found in: ...") is where the file stays. Until the
    block completes, the previous contents wait in a hidden sibling
    (``.<name>.previous-*``); on any error the half-written folder is removed and they are
    moved back.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    aside: Path | None = None
    if folder.exists() or folder.is_symlink():
        aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.previous-", dir=folder.parent))
        os.replace(folder, aside / folder.name)
    try:
        yield folder
    except BaseException:
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)
        if aside is not None:
            os.replace(aside / folder.name, folder)
        raise
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)


@dataclass(frozen=True)
class SynthOptions:
    """How :func:`synth` works: the unit cache, worker processes and per-unit checks."""

    #: Folder of the unit cache (:class:`airlock.assembly.UnitCache`); None: no cache.
    cache: Path | None = None
    #: Worker processes; None: one per core (``$AIRLOCK_JOBS`` overrides).
    jobs: int | None = None
    #: Per-unit checks to run and cache (``airlock.assembly.checks``), e.g. ``("cfn-lint",)``.
    checks: tuple[str, ...] = ()


def synth_units(
    spec: Spec,
    outdir: Path,
    *,
    spec_path: Path | None = None,
    packs: Sequence[str] | None = None,
    options: SynthOptions | None = None,
) -> tuple[AssemblyRun | None, list[tuple[str, str]], bool]:
    """Synthesize into ``outdir`` (which must not exist): in units (:mod:`airlock.assembly`),
    or as one app when the spec declares a pipeline (its stages hold every stack).

    Returns the unit run (None for one app), the integrations left out and whether validation passed.
    """
    from airlock.assembly import UnitCache, synth_assembly

    options = options or SynthOptions()
    lock = load_account_lock(spec_path) if spec_path is not None else AccountLock()
    if spec.organization.pipeline is not None:
        zone, validated = synth_app(spec, outdir, spec_path=spec_path, packs=packs)
        return None, list(zone.skipped), validated
    run = synth_assembly(
        spec,
        lock,
        outdir,
        packs=packs,
        cache=UnitCache(options.cache) if options.cache is not None else None,
        jobs=options.jobs,
        checks=options.checks,
    )
    check_assembly(outdir)
    record_spec(outdir, spec, lock)
    return run, list(run.plan.skipped), run.validated


def synth(
    spec_path: str | Path,
    outdir: str | Path,
    *,
    packs: Sequence[str] | None = None,
    options: SynthOptions | None = None,
    spec: Spec | None = None,
) -> SynthResult:
    """Load, build and synthesize ``spec_path`` into ``outdir``; ``spec`` is ``spec_path``
    already loaded (default: loaded here).

    The spec is validated before anything is written. The assembly is written into
    ``outdir`` itself (see :func:`replacing`), so the validation report is where synthesis
    says it is; a run that fails restores the previous folder and leaves no half assembly.
    """
    spec_path = Path(spec_path)
    outdir = Path(outdir)
    spec = spec if spec is not None else load(spec_path)
    load_account_lock(spec_path)  # a broken lock file is bad input too: fail before writing
    with replacing(outdir):
        run, skipped, validated = synth_units(spec, outdir, spec_path=spec_path, packs=packs, options=options)
    return replace(summarize(outdir, skipped=skipped, validated=validated), run=run)


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
    lines.extend(render_architectures(result.architectures))
    for stack in result.stacks:
        for what, value, limit in (
            ("resources", stack.resources, LIMITS["Resources"]),
            ("template bytes", stack.template_bytes, LIMITS["bytes"]),
        ):
            if value >= limit * WARN_SHARE:
                lines.append(f"  note: {stack.name} has {value:,} {what}, close to CloudFormation's limit of {limit:,}")
    compliance = result.compliance
    packs = ", ".join(result.packs)
    if result.passed:
        lines.append(
            f"compliance: passed ({packs}); {len(compliance.acknowledged)} acknowledged findings, "
            "listed with reasons in validation-report.json"
        )
    else:
        lines.append(f"compliance: FAILED ({packs}); {len(compliance.findings)} unacknowledged findings:")
        if not compliance.findings:
            lines.append("  validation stopped synthesis; see the validation output above")
        for finding in compliance.findings:
            lines.append(f"  {finding.rule}  {finding.path}  {finding.description}")
    lines.append(f"report: {result.outdir / 'validation-report.json'}")
    return "\n".join(lines)


def render_architectures(architectures: Sequence[dict[str, Any]]) -> list[str]:
    """The deployment-architecture part of the summary: AZ IDs, per-AZ endpoints, AZ and region loss."""
    if not architectures:
        return []
    lines = ["deployment architecture (by AZ ID):"]
    for architecture in architectures:
        for region in architecture["regions"]:
            placed = ", ".join(region["az_ids"]) or "no network (nothing placed in an AZ)"
            lines.append(f"  {architecture['integration']} in {region['region']}: {placed}")
            for zone in region["zones"]:
                parts = []
                if zone["endpoints"]:
                    parts.append(f"endpoints {', '.join(zone['endpoints'])}")
                if zone["exposed_apis"]:
                    parts.append(f"exposed {', '.join(zone['exposed_apis'])}")
                if zone["egress"]:
                    parts.append("firewall + NAT")
                lines.append(f"    {zone['az_id']:<10} {zone['subnet_cidr']:<16} {'; '.join(parts)}".rstrip())
            lines.append(f"    one AZ lost: {'; '.join(region['if_one_az_fails'])}")
        lines.append(f"    region lost: {architecture['if_one_region_fails']}")
    return lines
