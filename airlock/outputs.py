"""Where a command writes (``--out``), checked before any work starts.

Every writing command builds its output in a temporary sibling of ``--out`` and moves it
into place at the end, so the folder that must accept new entries is the nearest folder
above ``--out`` that exists. :func:`check_output` probes exactly that folder (creating and
removing an empty folder in it: permission bits alone do not say what root may do, or a
read-only file system) and raises :class:`OutputError`, bad input, naming the path and
the reason. Nothing is left behind by the probe.
"""

from __future__ import annotations

import tempfile
from pathlib import Path


class OutputError(Exception):
    """``--out`` names a place the command cannot write: bad input, exit code 2."""


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path.cwd()


def check_output(out: Path, *, flag: str = "--out", kind: str = "folder") -> None:
    """Refuse an ``out`` (a ``folder`` or a ``file``) that cannot be created or replaced."""
    out = Path(out)
    if out.exists() and kind == "folder" and not out.is_dir():
        raise OutputError(f"{flag} '{out}' is a file, not a folder; pass a folder for the output")
    if out.exists() and kind == "file" and out.is_dir():
        raise OutputError(f"{flag} '{out}' is a folder; pass a file name such as airlock-spec.schema.json")
    holder = _nearest_existing(out.parent)
    if not holder.is_dir():
        raise OutputError(
            f"{flag} '{out}' cannot be created: '{holder}' is a file, not a folder; pass a path outside it"
        )
    try:
        Path(tempfile.mkdtemp(prefix=".airlock-probe-", dir=holder)).rmdir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(
            f"{flag} '{out}' cannot be created: cannot create anything in '{holder}' ({reason}); "
            "pass a folder you may write to"
        ) from None


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``path`` (and missing parent folders) so that a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then moved into place
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    )
    try:
        with handle:
            handle.write(text)
        Path(handle.name).replace(path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
