"""The ``airlock`` command.

Exit codes: 0 clean, 1 compliance findings (or messages a redrive could not move), 2 bad input or usage.
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

    redrive = commands.add_parser(
        "redrive", help="move a buffer's dead-letter messages back to its source queue (needs AWS credentials)"
    )
    redrive.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    redrive.add_argument("integration", help="name of the integration in the spec")
    redrive.add_argument("buffer", help="name of the buffer in that integration")
    redrive.add_argument("--dry-run", action="store_true", help="show what would move, move nothing")
    redrive.add_argument(
        "--method",
        choices=("auto", "move-task", "copy"),
        default="auto",
        help="move-task: SQS StartMessageMoveTask; copy: receive/send/delete; auto (default): move-task "
        "where available, else copy",
    )
    redrive.add_argument("--max-messages", type=_positive, help="move at most this many (copy only)")
    redrive.add_argument("--region", help="region of the integration (default: its only region)")
    redrive.add_argument("--profile", help="AWS profile of the intermediate account (default: the credential chain)")
    redrive.add_argument("--endpoint-url", help="SQS endpoint, e.g. of a local emulator (default: AWS's)")

    schema = commands.add_parser("schema", help="print the JSON Schema of the spec")
    schema.add_argument("--out", type=Path, help="write to this file instead of standard output")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number; pass e.g. 100")
    return value


def _bad_input(message: str) -> int:
    print(f"airlock: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imports are deferred so that `airlock --help` and usage errors do not start jsii.
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
        if args.command == "redrive":
            return _redrive(args)
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
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


def _redrive(args: argparse.Namespace) -> int:
    from airlock.operations.redrive import Redrive, RedriveError, TerminalProgress, resolve_target, sqs_client
    from airlock.spec import load, load_account_lock

    spec = load(args.spec)
    progress = TerminalProgress(sys.stderr)
    try:
        target = resolve_target(spec, load_account_lock(args.spec), args.integration, args.buffer, args.region)
        client = sqs_client(region=target.region, profile=args.profile, endpoint_url=args.endpoint_url)
        redrive = Redrive(client, target)
        result = redrive.run(
            method=args.method, dry_run=args.dry_run, progress=progress, max_messages=args.max_messages
        )
    except RedriveError as exc:
        progress.close()
        return _bad_input(str(exc))
    progress.close()
    if result.dry_run:
        print(
            f"dry run: would move about {result.waiting} messages from {target.dead_letter_name} to "
            f"{target.source_name} ({target.region}); {result.in_flight} more are in flight and would move "
            "once visible again"
        )
        return EXIT_OK
    print(f"moved {result.moved} messages from {target.dead_letter_name} to {target.source_name} ({result.method})")
    if result.failed:
        print(f"{result.failed} messages could not be sent and stay in {target.dead_letter_name}; run again")
        return EXIT_FINDINGS
    return EXIT_OK


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
