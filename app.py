#!/usr/bin/env python3
"""CDK app entry point, run by the CDK CLI (`npx cdk synth`, `npx cdk deploy`).

Thin by design: load the spec named in the context -> synthesize it into the folder the
CLI names. Choose another spec with `npx cdk synth -c airlock:spec=path/to/spec.yaml`.

The landing zone is synthesized in units on every core (airlock.assembly) and merged into
the CLI's output folder; a spec with a pipeline is one app (its stages hold every stack).
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from airlock.compliance import read_report
from airlock.limits import AssemblyError, check_assembly
from airlock.spec import SpecError, load, load_account_lock
from airlock.stacks import build, new_app
from airlock.synth import is_validation_failure, record_spec, synth_units

DEFAULT_SPEC = "examples/landing-zone.yaml"


def _in_units(spec, spec_path: str, outdir: Path) -> int:
    """Synthesize into a sibling folder, then move the assembly's files into ``outdir``."""
    outdir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.", dir=outdir.parent))
    try:
        _, skipped, validated = synth_units(spec, staging / "cdk.out", spec_path=Path(spec_path))
        for name, reason in skipped:
            print(f"airlock: left out {name}: {reason}", file=sys.stderr)
        for path in (staging / "cdk.out").iterdir():
            os.replace(path, outdir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    code = _gate(outdir)
    if code == 0 and not validated:
        print("airlock: validation failed; see validation-report.json", file=sys.stderr)
        return 1
    return code


def _gate(outdir: str | Path) -> int:
    """Every unacknowledged finding blocks, also where the CDK let synthesis pass (see
    airlock.compliance.report: a pack's finding beside an acknowledged one)."""
    compliance = read_report(outdir)
    if not compliance.passed:
        for finding in compliance.findings:
            print(f"airlock: {finding.rule}  {finding.path}  {finding.description}", file=sys.stderr)
        print(
            f"airlock: {len(compliance.findings)} compliance findings above must be fixed or acknowledged",
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> int:
    app = new_app()
    spec_path = app.node.try_get_context("airlock:spec") or DEFAULT_SPEC
    try:
        spec = load(spec_path)
        if spec.organization.pipeline is None:
            return _in_units(spec, spec_path, Path(app.outdir))
        zone = build(app, spec, lock=load_account_lock(spec_path))
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except AssemblyError as exc:
        print(f"airlock: {exc}", file=sys.stderr)
        return 2
    for name, reason in zone.skipped:
        print(f"airlock: left out {name}: {reason}", file=sys.stderr)
    try:
        app.synth()
    except RuntimeError as exc:
        if not is_validation_failure(exc):
            raise
        print("airlock: compliance findings above must be fixed or acknowledged", file=sys.stderr)
        return 1
    try:
        check_assembly(app.outdir)
        record_spec(app.outdir, spec, load_account_lock(spec_path))
    except AssemblyError as exc:
        print(f"airlock: {exc}", file=sys.stderr)
        return 2
    return _gate(app.outdir)


if __name__ == "__main__":
    sys.exit(main())
