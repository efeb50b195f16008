"""--out of synth, check, register and schema: a place that cannot be written is bad input (exit 2).

The command names the path and the reason, prints no traceback and writes nothing, and it
says so before any synthesis starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from airlock.cli import main
from tests.specs import dump, spec_data

COMMANDS = {
    "synth": lambda spec, out: ["synth", str(spec), "--out", str(out)],
    "check": lambda spec, out: ["check", str(spec), "--out", str(out)],
    "register": lambda spec, out: ["register", str(spec), "--out", str(out)],
    "schema": lambda spec, out: ["schema", "--out", str(out / "airlock-spec.schema.json")],
}


def _writable(folder: Path) -> bool:
    try:
        probe = folder / ".probe"
        probe.mkdir()
        probe.rmdir()
    except OSError:
        return False
    return True


@pytest.fixture
def read_only_folder(tmp_path):
    """An existing folder this process cannot create anything in (as root: a sysfs folder)."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if not _writable(folder):
            yield folder
            return
        for candidate in (Path("/sys/kernel"), Path("/sys")):
            if candidate.is_dir() and not _writable(candidate):
                yield candidate
                return
        pytest.skip("no folder here refuses writes to this user")
    finally:
        folder.chmod(stat.S_IRWXU)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(dump(spec_data()))
    return path


def _run(capsys, argv) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err


def _entries(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_below_a_regular_file_exits_2_with_the_path_and_reason(tmp_path, capsys, spec, command):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")
    before = _entries(tmp_path)
    out = blocker / "out"
    code, err = _run(capsys, COMMANDS[command](spec, out))
    assert code == 2, err
    assert str(blocker) in err and "is a file, not a folder" in err, err
    assert "Traceback" not in err
    assert _entries(tmp_path) == before and blocker.read_text() == "not a folder"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_in_a_folder_that_cannot_be_created_exits_2(tmp_path, capsys, spec, command):
    out = Path("/proc") / f"airlock-{os.getpid()}" / "out"
    code, err = _run(capsys, COMMANDS[command](spec, out))
    assert code == 2, err
    assert "/proc" in err and "cannot create" in err, err
    assert "Traceback" not in err
    assert not out.parent.exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_out_in_a_folder_that_is_not_writable_exits_2(tmp_path, capsys, spec, read_only_folder, command):
    before = sorted(p.name for p in read_only_folder.iterdir())
    out = read_only_folder / "airlock-out"
    code, err = _run(capsys, COMMANDS[command](spec, out))
    assert code == 2, err
    assert str(read_only_folder) in err and "cannot create" in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in read_only_folder.iterdir()) == before


def test_schema_creates_missing_parent_folders(tmp_path, capsys):
    out = tmp_path / "schemas" / "v1" / "airlock-spec.schema.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text().startswith("{")
