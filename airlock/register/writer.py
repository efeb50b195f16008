"""Write the register: every file is rendered first, then the folder is swapped in at once."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from airlock.register.backstage import catalog_info
from airlock.register.markdown import index_page, integration_page
from airlock.register.records import Register

#: The file that marks a folder as a register (so re-running may replace it).
MARKER = "integrations.json"


class RegisterOutputError(ValueError):
    """The output folder cannot take the register (bad input: exit 2)."""


def render(register: Register) -> dict[str, str]:
    """Relative path -> text of every file of the register."""
    files = {
        MARKER: register.to_json(),
        "index.md": index_page(register),
        "catalog-info.yaml": catalog_info(register),
    }
    for record in register.integrations:
        files[f"integrations/{record.name}.md"] = integration_page(record)
    return files


def check_output(out: Path) -> None:
    """Refuse a file, or a non-empty folder that is not a previous register (it would be replaced)."""
    if out.exists() and not out.is_dir():
        raise RegisterOutputError(f"--out '{out}' is a file; pass a folder for the register")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise RegisterOutputError(
            f"--out '{out}' is a folder with other content (no {MARKER}); the register replaces its folder, "
            "so pass a new or empty folder"
        )


def write_register(register: Register, out: Path) -> list[Path]:
    """Write the register into ``out`` atomically: all of it, or nothing (``out`` is left as it was)."""
    out = Path(out)
    check_output(out)
    files = render(register)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for relative, text in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        if out.exists():
            previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, previous / out.name)
            os.replace(staging, out)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [out / relative for relative in sorted(files)]
