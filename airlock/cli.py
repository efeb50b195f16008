"""The ``airlock`` command.

Exit codes: 0 clean, 1 compliance findings, 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from airlock import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="airlock",
        description="Landing zones for SaaS integrations: validate a spec, synthesize and check it.",
    )
    parser.add_argument("--version", action="version", version=f"airlock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check a spec file and report every problem in it")
    validate.add_argument("spec", type=Path, help="path of the spec file (YAML)")

    synth = commands.add_parser(
        "synth", help="synthesize the spec into a compliance-checked cloud assembly (no AWS credentials needed)"
    )
    synth.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    synth.add_argument("--out", type=Path, default=Path("cdk.out"), help="output folder (default: cdk.out)")

    summary = commands.add_parser("summary", help="summarize a cloud assembly that `cdk synth` wrote")
    summary.add_argument("assembly", type=Path, nargs="?", default=Path("cdk.out"), help="default: cdk.out")

    schema = commands.add_parser("schema", help="print the JSON Schema of the spec")
    schema.add_argument("--out", type=Path, help="write to this file instead of standard output")
    return parser


def _bad_input(message: str) -> int:
    print(f"airlock: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imports are deferred so that `airlock --help` and usage errors do not start jsii.
    from airlock.limits import AssemblyError
    from airlock.spec import SpecError

    try:
        if args.command == "validate":
            return _validate(args.spec)
        if args.command == "synth":
            return _synth(args.spec, args.out)
        if args.command == "summary":
            return _summary(args.assembly)
        if args.command == "schema":
            return _schema(args.out)
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except AssemblyError as exc:  # the spec asks for a stack CloudFormation would refuse
        return _bad_input(str(exc))
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


def _validate(spec_path: Path) -> int:
    from airlock.spec import load, load_account_lock

    spec = load(spec_path)
    lock = load_account_lock(spec_path)
    stacks = 1 + sum(len(i.regions) for i in spec.integrations if lock.account_id(i))
    print(f"{spec_path}: valid; {len(spec.integrations)} integrations, {stacks} stacks")
    for integration in spec.integrations:
        if lock.account_id(integration) is None:
            print(f"  note: '{integration.name}' has no account id yet; its stacks are left out until it has one")
    return EXIT_OK


def _synth(spec_path: Path, out: Path) -> int:
    from airlock.synth import render_summary, synth

    if out.exists() and not out.is_dir():
        return _bad_input(f"--out '{out}' is a file; pass a folder for the cloud assembly")
    result = synth(spec_path, out)
    print(render_summary(result))
    return EXIT_OK if result.passed else EXIT_FINDINGS


def _summary(assembly: Path) -> int:
    from airlock.synth import render_summary, summarize

    if not (assembly / "manifest.json").exists():
        return _bad_input(f"'{assembly}' is not a cloud assembly (no manifest.json); run `cdk synth` first")
    result = summarize(assembly)
    print(render_summary(result))
    return EXIT_OK if result.passed else EXIT_FINDINGS


def _schema(out: Path | None) -> int:
    from airlock.spec.schema import json_schema_text

    text = json_schema_text()
    if out is None:
        sys.stdout.write(text)
    else:
        if out.is_dir():
            return _bad_input(f"--out '{out}' is a folder; pass a file name such as airlock-spec.schema.json")
        out.write_text(text, encoding="utf-8")
    return EXIT_OK


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    main_entry()
