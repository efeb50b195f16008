"""The unit cache: synthesized units and per-unit check results, by content key.

Layout under the cache folder::

    units/<k[:2]>/<key>/           a unit folder (airlock.assembly.split), as synthesized
    checks/<check>/<k[:2]>/<key>.json   a per-unit check's results (airlock.assembly.checks)

Entries are written to a temporary sibling and renamed into place, so a reader never sees
half an entry and two runs sharing a cache cannot corrupt it. An entry is never changed:
its key covers everything that shapes it. Deleting the folder is always safe.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from airlock.assembly.split import UNIT_FILE


class UnitCache:
    """A cache folder; created on first write."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _unit(self, key: str) -> Path:
        return self.root / "units" / key[:2] / key

    def unit(self, key: str) -> Path | None:
        """The cached unit folder of ``key``, or None."""
        folder = self._unit(key)
        return folder if (folder / UNIT_FILE).is_file() else None

    def put_unit(self, key: str, folder: Path) -> Path:
        """Copy a unit folder into the cache (its ``checks`` subfolder left out); return the entry."""
        target = self._unit(key)
        if (target / UNIT_FILE).is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:8]}.", dir=target.parent))
        try:
            for path in folder.iterdir():
                if path.is_file():
                    shutil.copyfile(path, staging / path.name)
            os.replace(staging, target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not (target / UNIT_FILE).is_file():
                raise
        return target

    def _check(self, check: str, key: str) -> Path:
        return self.root / "checks" / check / key[:2] / f"{key}.json"

    def check(self, check: str, key: str) -> list[dict[str, Any]] | None:
        path = self._check(check, key)
        if not path.is_file():
            return None
        data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def put_check(self, check: str, key: str, results: list[dict[str, Any]]) -> None:
        path = self._check(check, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".", suffix=".json", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(results, out, sort_keys=True)
        os.replace(temporary, path)
