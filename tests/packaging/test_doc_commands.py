"""Every shell command of README.md and docs/ runs as written from a fresh clone.

The commands of each ```sh block are extracted. Those that need no AWS (the `airlock`
commands that read a spec or an assembly) run, in the order the page shows them, in a folder
laid out like a clone after `make setup` (`.venv`, `examples/`, a `my-spec.yaml` and an
`old.yaml` copied from the example, the example's `cdk.out`); they must not fail on their
input (exit 2) or crash. Commands that need AWS credentials are parsed by the real argument
parser, so a renamed subcommand or option fails here too; `make` targets must exist.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from airlock.cli import _parser, main
from tests.conftest import EXAMPLE_SPEC, ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```(?:sh|bash)\n(.*?)^```", re.DOTALL | re.MULTILINE)
_YAML = re.compile(r"^```yaml\n(.*?)^```", re.DOTALL | re.MULTILINE)
#: Subcommands that read only files: they run.
OFFLINE = {"validate", "synth", "check", "access", "diff", "schema", "register", "summary"}
#: A synopsis, not a command: placeholders in capitals or angle brackets, optional parts in [].
_SYNOPSIS = re.compile(r"\b[A-Z]{3,}\b|<[^>]+>|\[")


def commands(page: Path) -> list[str]:
    """The commands of ``page``'s shell blocks: continuation lines joined, comments dropped."""
    out = []
    for block in _BLOCK.findall(page.read_text()):
        for command in block.replace("\\\n", " ").splitlines():
            command = re.sub(r"\s+#.*$", "", command).strip()
            if command and not command.startswith("#"):
                out.append(command)
    return out


def airlock_argv(command: str) -> list[str] | None:
    """The arguments of an `airlock` command (without a redirection), or None for other commands."""
    words = shlex.split(command.split(" > ", 1)[0])
    if not words or words[0] not in (".venv/bin/airlock", "airlock"):
        return None
    return words[1:]


def test_commands_call_the_installed_airlock_not_a_bare_one():
    """A fresh clone has no `airlock` on PATH: the docs call `.venv/bin/airlock`."""
    bare = [f"{p.name}: {c}" for p in PAGES for c in commands(p) if c.startswith("airlock ")]
    assert bare == []


def test_make_targets_in_the_docs_exist():
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    used = {c.split()[1] for p in PAGES for c in commands(p) if c.startswith("make ")}
    assert used and used <= targets, used - targets


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_commands_that_need_aws_parse(page):
    for command in commands(page):
        argv = airlock_argv(command)
        if argv is None or (argv[0] in OFFLINE and not _SYNOPSIS.search(command)):
            continue
        argv = airlock_argv(re.sub(r"\s*\[[^\]]*\]", "", command))
        assert argv is not None
        argv = [{"SPEC": "my-spec.yaml", "DIR": "out"}.get(word, word) for word in argv]
        try:
            _parser().parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on an unknown command or option
            pytest.fail(f"{page.name}: `{command}` does not parse (exit {exc.code})")


@pytest.fixture
def clone(tmp_path, example_assembly):
    """A folder laid out like a fresh clone after `make setup`, with the user's first spec."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    for folder in ("examples", "schema"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    lock = EXAMPLE_SPEC.with_name("landing-zone.accounts.json")
    for name in ("my-spec", "old"):
        shutil.copy(EXAMPLE_SPEC, tmp_path / f"{name}.yaml")
        shutil.copy(lock, tmp_path / f"{name}.accounts.json")
    shutil.copytree(example_assembly.outdir, tmp_path / "cdk.out")
    return tmp_path


def _runnable() -> dict[str, list[str]]:
    """Per page, its offline commands; one shown on an earlier page (same spec, same words) runs there only."""
    seen: set[str] = set()
    out: dict[str, list[str]] = {}
    for page in PAGES:
        found = [c for c in commands(page) if (a := airlock_argv(c)) and a[0] in OFFLINE and not _SYNOPSIS.search(c)]
        out[page.name] = [c for c in found if page.name == "first-spec.md" or c not in seen]
        seen.update(found)
    return out


RUNNABLE = _runnable()


#: Fast subcommands run through the installed entry point; the others (they synthesize) run in
#: this process with the same arguments and working folder, so one jsii kernel serves them all.
_SUBPROCESS = {"validate", "schema"}


def _run(command: str, clone: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    argv = airlock_argv(command)
    assert argv is not None
    if argv[0] in _SUBPROCESS:
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, capture_output=True, text=True, timeout=600, check=False
        )
        return done.returncode, done.stderr
    capsys.readouterr()
    code = main(argv)
    out, err = capsys.readouterr()
    if " > " in command:
        (clone / command.split(" > ", 1)[1].strip()).write_text(out)
    return code, err


@pytest.mark.parametrize("page", [name for name, found in RUNNABLE.items() if found])
def test_offline_commands_run_as_written(page, clone, monkeypatch, capsys):
    monkeypatch.chdir(clone)
    if page == "first-spec.md":  # the walkthrough's commands run on the spec it builds
        whole = _YAML.findall((ROOT / "docs" / page).read_text())[-1]
        (clone / "my-spec.yaml").write_text(whole)
        (clone / "my-spec.accounts.json").unlink()
    for command in RUNNABLE[page]:
        code, err = _run(command, clone, capsys)
        assert code in (0, 1), f"{page}: `{command}` exited {code}:\n{err[-2000:]}"
        assert "Traceback" not in err, f"{page}: `{command}`:\n{err[-2000:]}"
    if page == "README.md":
        assert (clone / "airlock-spec.schema.json").read_text().startswith("{")
        assert (clone / "register" / "integrations.json").is_file() and (clone / "out" / "manifest.json").is_file()
