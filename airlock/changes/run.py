"""``airlock diff OLD NEW``: each side a spec file, or a cloud assembly that airlock synthesized.

A spec is validated and synthesized into a scratch folder; an assembly is read as it is,
with the spec it was built from (``airlock-spec.json``, written by
:func:`airlock.synth.record_spec`). Nothing is written outside the scratch folder.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from airlock.access.assembly import AssemblyReadError, StackArtifact, read_stacks
from airlock.access.world import World
from airlock.changes.access_diff import access_changes, access_map, scp_changes
from airlock.changes.model import ChangeReport
from airlock.changes.spec_diff import spec_changes
from airlock.compliance.progress import Progress, phase_of
from airlock.spec import AccountLock, Spec, load, load_account_lock, validate
from airlock.synth import SPEC_RECORD


class DiffInputError(ValueError):
    """OLD or NEW cannot be compared (exit 2)."""


@dataclass(frozen=True)
class Side:
    label: str
    spec: Spec
    lock: AccountLock
    stacks: tuple[StackArtifact, ...]

    @property
    def world(self) -> World:
        return World(self.stacks, self.spec, self.lock)


def is_assembly(path: Path) -> bool:
    return path.is_dir()


def _assembly_side(path: Path, role: str) -> Side:
    if not (path / "manifest.json").is_file():
        raise DiffInputError(
            f"{role} '{path}' is a folder but not a cloud assembly (no manifest.json); pass a spec file, or the "
            "folder `airlock synth SPEC --out DIR` wrote"
        )
    try:
        recorded = json.loads((path / SPEC_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if not isinstance(recorded, dict) or "spec" not in recorded:
        raise DiffInputError(
            f"{role} '{path}' records no spec (it was synthesized by an older saas-airlock); synthesize the old "
            "spec again with `airlock synth OLD_SPEC --out DIR`, or pass the old spec file itself"
        )
    accounts = {str(k): str(v) for k, v in (recorded.get("accounts") or {}).items()}
    spec = validate(recorded["spec"], source=f"the spec recorded in {path}", accounts=accounts)
    try:
        stacks = read_stacks(path)
    except AssemblyReadError as exc:
        raise DiffInputError(f"{role}: {exc}") from None
    return Side(str(path), spec, AccountLock(ids=accounts), stacks)


def _synthesized(path: Path, spec: Spec, lock: AccountLock, scratch: Path) -> Side:
    from airlock.synth import synth_app

    synth_app(spec, scratch, spec_path=path)
    return Side(str(path), spec, lock, read_stacks(scratch))


def phases(old: Path, new: Path) -> int:
    """How many phases :func:`run_diff` shows: loading, one synth per spec side, the comparison."""
    return 2 + sum(not is_assembly(p) for p in (old, new))


def run_diff(old: Path, new: Path, *, progress: Progress | None = None) -> ChangeReport:
    """Every security-relevant change from ``old`` to ``new``.

    Both sides are read and validated before either is synthesized. Raises
    :class:`DiffInputError` or :class:`airlock.spec.SpecError` on bad input.
    """
    paths = {"OLD": old, "NEW": new}
    for role, path in paths.items():
        if not path.exists():
            raise DiffInputError(f"{role} '{path}' does not exist; pass a spec file (YAML) or a cloud assembly folder")
    sides: dict[str, Side] = {}
    specs: dict[str, tuple[Spec, AccountLock]] = {}
    with phase_of(progress, "loading both sides"):
        for role, path in paths.items():
            if is_assembly(path):
                sides[role] = _assembly_side(path, role)
            else:
                specs[role] = (load(path), load_account_lock(path))
    with tempfile.TemporaryDirectory(prefix="airlock-diff-") as scratch:
        for role, (spec, lock) in specs.items():
            with phase_of(progress, f"synthesizing {role} {paths[role]}"):
                sides[role] = _synthesized(paths[role], spec, lock, Path(scratch) / role.lower())
        before, after = sides["OLD"], sides["NEW"]
        with phase_of(progress, "computing each vendor's effective access on both sides and comparing"):
            changes, other = spec_changes(before.spec, after.spec)
            changes += access_changes(access_map(before.world), access_map(after.world))
            changes += scp_changes(before.stacks, after.stacks)
    return ChangeReport(old=before.label, new=after.label, changes=changes, other=other)
