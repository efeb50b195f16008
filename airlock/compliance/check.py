"""``airlock check``: synthesize, run every validation plugin and cfn-lint, write CI reports.

Needs no AWS credentials and no network: synthesis makes no lookups, the packs and cfn-lint
run locally, and Control Tower's rules run through the cfn-guard binary their package ships.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from airlock import __version__
from airlock.compliance.cfnlint_check import Template, cfn_lint_version, lint_templates
from airlock.compliance.origins import locate_in_spec
from airlock.compliance.progress import Progress
from airlock.compliance.report import Finding, assembly_metadata
from airlock.synth import StackSummary, SynthOptions, SynthResult, replacing, synth

if TYPE_CHECKING:
    from airlock.assembly import AssemblyRun
    from airlock.register.reviews import ReviewState
    from airlock.spec import Spec

ASSEMBLY = "cdk.out"
JSON_REPORT = "airlock-check.json"
SARIF_REPORT = "airlock-check.sarif"
JUNIT_REPORT = "airlock-check.junit.xml"
MARKDOWN_REPORT = "airlock-check.md"


@dataclass(frozen=True)
class CheckResult:
    """Everything a report writer needs."""

    spec: str
    outdir: Path
    packs: tuple[str, ...]
    stacks: tuple[StackSummary, ...]
    templates: tuple[Template, ...]
    findings: tuple[Finding, ...]
    acknowledged: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    versions: dict[str, str] = field(default_factory=dict)
    #: Reviews that fail the run (``--fail-on-overdue``): overdue or never assessed.
    overdue: tuple[ReviewState, ...] = ()
    #: The synthesis in units: which units were synthesized, which came from the cache.
    run: AssemblyRun | None = None

    @property
    def passed(self) -> bool:
        return not self.findings and not self.overdue

    @property
    def assembly(self) -> Path:
        return self.outdir / ASSEMBLY

    @property
    def spec_uri(self) -> str:
        """The spec's path as reports show it: relative to the working folder where possible."""
        try:
            return Path(self.spec).resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return Path(self.spec).as_posix()

    def uri(self, template: str | None) -> str:
        """A template's path as reports show it: relative to the working folder where possible."""
        path = self.assembly / (template or "")
        try:
            return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return path.as_posix()


@dataclass(frozen=True)
class CheckOptions:
    """Options of ``airlock check``; flags that gate on more than findings belong here."""

    packs: tuple[str, ...] | None = None
    #: Run the access proof (airlock.access) over the assembly.
    proof: bool = True
    #: Overdue or never-assessed reviews fail the run too (and every report says so).
    fail_on_overdue: bool = False
    #: The day reviews are judged on. Default: the system date.
    today: date | None = None
    #: Unit cache and worker processes of the synthesis (cfn-lint results are cached with the units).
    synth: SynthOptions | None = None


def _locate(assembly: Path, findings: list[Finding], templates: dict[str, Template]) -> list[Finding]:
    """Fill in template, logical id and line of findings that name only a construct path."""
    logical_ids = dict(assembly_metadata(assembly, "aws:cdk:logicalId"))
    starts: dict[str, dict[str, int]] = {}
    out = []
    for finding in findings:
        stack = templates.get(finding.stack)
        template = finding.template or (stack.file if stack else None)
        logical_id = finding.logical_id or logical_ids.get(finding.path)
        line = finding.line
        if template and logical_id and line is None:
            if template not in starts:
                starts[template] = _object_starts(assembly / template)
            line = starts[template].get(logical_id)
        out.append(replace(finding, template=template, logical_id=logical_id, line=line))
    return out


def _object_starts(template: Path) -> dict[str, int]:
    """Key -> line of the first line of a template that opens an object under that key
    (``"Bucket": {``), read once per template however many findings point into it."""
    starts: dict[str, int] = {}
    try:
        text = template.read_text(encoding="utf-8")
    except OSError:
        return starts
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith('"') and stripped.endswith("{"):
            key, sep, rest = stripped[1:].partition('": ')
            if sep and rest == "{":
                starts.setdefault(key, number)
    return starts


def _templates(assembly: Path) -> dict[str, Template]:
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        region = artifact.get("environment", "").rpartition("/")[2]
        out[name] = Template(
            stack=name,
            file=artifact["properties"]["templateFile"],
            region=None if region in ("", "unknown-region") else region,
        )
    return out


def prove_assembly(
    assembly: Path,
    spec_path: Path,
    synthesized: SynthResult | None = None,
    cache: Path | None = None,
    spec: Spec | None = None,
) -> list[Finding]:
    """The access proof's failures over a synthesized assembly, as blocking findings.

    With a unit run and a cache, unchanged integrations' verdicts are reused
    (:mod:`airlock.access.incremental`); the findings are the same as a full proof's.
    """
    from airlock.access.assembly import read_stacks
    from airlock.access.findings import proof_findings
    from airlock.access.incremental import UnitKey, ordered, prove_units
    from airlock.access.proof import prove_world
    from airlock.access.world import World
    from airlock.assembly import UnitCache
    from airlock.spec import load, load_account_lock

    spec, lock = spec if spec is not None else load(spec_path), load_account_lock(spec_path)
    artifacts = read_stacks(assembly)
    run = synthesized.run if synthesized is not None else None
    if run is not None and cache is not None:
        units = [UnitKey(unit.integration, unit.key) for unit in run.plan.units]
        failures = prove_units(artifacts, spec, lock, units, UnitCache(cache))
    else:
        failures = ordered(prove_world(World(artifacts, spec, lock)).failures())
    return proof_findings(failures)


CFN_LINT = "cfn-lint"


def _linted(synthesized: SynthResult, assembly: Path, templates: dict[str, Template]) -> list[Finding]:
    """cfn-lint's findings: per unit, cached with it, when synthesized in units; over every template otherwise."""
    if synthesized.run is not None:
        found = [Finding(**data) for data in synthesized.run.checks[CFN_LINT]]
        return sorted(found, key=lambda f: (f.template or "", f.line or 0, f.rule))
    return lint_templates(assembly, templates.values(), construct_paths(assembly))


def construct_paths(assembly: Path) -> dict[tuple[str, str], str]:
    """(stack, logical id) -> construct path, for every resource of the assembly."""
    return {
        (path.split("/", 1)[0], logical_id): path
        for path, logical_id in assembly_metadata(assembly, "aws:cdk:logicalId")
    }


def run_check(
    spec_path: Path,
    out: Path,
    *,
    options: CheckOptions | None = None,
    progress: Progress | None = None,
    writers: tuple[tuple[str, Callable[[CheckResult], str]], ...] | None = None,
) -> CheckResult:
    """Check ``spec_path`` and write the reports into ``out``, replaced as a whole (the previous
    folder comes back if the check cannot complete).

    Raises :class:`airlock.spec.SpecError` on a bad spec before anything is written.
    """
    from airlock.compliance import writers as report_writers
    from airlock.spec import load, load_account_lock

    options = options or CheckOptions()
    progress = progress or Progress(5 if options.proof else 4)
    writers = writers or report_writers.ALL
    with progress.phase("loading the spec"):
        spec = load(spec_path, today=options.today)
        load_account_lock(spec_path)
    late: tuple[ReviewState, ...] = ()
    if options.fail_on_overdue:
        from airlock.register.reviews import overdue

        late = tuple(overdue(spec, options.today or date.today()))
    with replacing(out):
        synth_options = replace(options.synth or SynthOptions(), checks=(CFN_LINT,))
        with progress.phase("synthesizing, running the compliance packs and cfn-lint"):
            synthesized = synth(spec_path, out / ASSEMBLY, packs=options.packs, options=synth_options, spec=spec)
        assembly = out / ASSEMBLY
        templates = _templates(assembly)
        with progress.phase(f"cfn-lint findings of {len(templates)} templates"):
            linted = _linted(synthesized, assembly, templates)
        proven: list[Finding] = []
        if options.proof:
            with progress.phase("proving access: flows, probes, effective access, deployability"):
                cache = options.synth.cache if options.synth is not None else None
                proven = prove_assembly(assembly, spec_path, synthesized, cache, spec)
        compliance = synthesized.compliance
        names = [integration.name for integration in spec.integrations]
        paths = construct_paths(assembly)

        def located(findings: list[Finding]) -> tuple[Finding, ...]:
            return tuple(locate_in_spec(_locate(assembly, findings, templates), assembly, spec_path, paths, names))

        result = CheckResult(
            spec=str(spec_path),
            outdir=out,
            packs=(*synthesized.packs, "cfn-lint", *(("Access",) if options.proof else ())),
            stacks=synthesized.stacks,
            templates=tuple(templates.values()),
            findings=located([*compliance.findings, *(f for f in linted if f.blocking), *proven]),
            acknowledged=located(list(compliance.acknowledged)),
            warnings=located([*compliance.warnings, *(f for f in linted if not f.blocking)]),
            skipped=synthesized.skipped,
            versions={"saas-airlock": __version__, "cfn-lint": cfn_lint_version()},
            overdue=late,
            run=synthesized.run,
        )
        with progress.phase("writing the reports"):
            for name, write in writers:
                (out / name).write_text(write(result), encoding="utf-8")
    return result
