#!/usr/bin/env python3
"""CDK app entry point, run by the CDK CLI (`npx cdk synth`, `npx cdk deploy`).

Thin by design: load the spec named in the context -> build the app -> synthesize.
Choose another spec with `npx cdk synth -c airlock:spec=path/to/spec.yaml`.
"""

import sys

from airlock.compliance import read_report
from airlock.limits import AssemblyError, check_assembly
from airlock.spec import SpecError, load, load_account_lock
from airlock.stacks import build, new_app
from airlock.synth import is_validation_failure

DEFAULT_SPEC = "examples/landing-zone.yaml"


def main() -> int:
    app = new_app()
    spec_path = app.node.try_get_context("airlock:spec") or DEFAULT_SPEC
    try:
        spec = load(spec_path)
        zone = build(app, spec, lock=load_account_lock(spec_path))
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
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
    except AssemblyError as exc:
        print(f"airlock: {exc}", file=sys.stderr)
        return 2
    # Every unacknowledged finding blocks, also where the CDK let synthesis pass (see
    # airlock.compliance.report: a pack's finding beside an acknowledged one).
    compliance = read_report(app.outdir)
    if not compliance.passed:
        for finding in compliance.findings:
            print(f"airlock: {finding.rule}  {finding.path}  {finding.description}", file=sys.stderr)
        print(
            f"airlock: {len(compliance.findings)} compliance findings above must be fixed or acknowledged",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
