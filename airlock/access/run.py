"""``airlock access``: prove a spec's landing zone (synthesized now, or read from an assembly)."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from airlock.access.assembly import AssemblyReadError, read_stacks
from airlock.access.proof import Proof, prove_world
from airlock.access.world import World
from airlock.compliance.progress import Progress, phase_of
from airlock.spec import load, load_account_lock


class AccessInputError(ValueError):
    """A command-line input of ``airlock access`` that cannot be used (exit 2)."""


def run_access(
    spec_path: Path,
    *,
    integrations: Sequence[str] | None = None,
    assembly: Path | None = None,
    progress: Progress | None = None,
) -> Proof:
    """Load the spec, synthesize it (or read ``assembly``) and prove it, for ``integrations`` or all.

    ``progress`` shows the phases (two with ``assembly``, three without).
    """
    with phase_of(progress, "loading the spec"):
        spec = load(spec_path)
        lock = load_account_lock(spec_path)
    names = [i.name for i in spec.integrations]
    unknown = [name for name in integrations or () if name not in names]
    if unknown:
        raise AccessInputError(
            f"--integration {', '.join(unknown)}: not in the spec; use one of {', '.join(names) or '(none)'}"
        )
    selected = list(integrations) if integrations else None
    proving = "proving access: flows, probes, effective access, deployability"
    if assembly is not None:
        try:
            stacks = read_stacks(assembly)
        except AssemblyReadError as exc:
            raise AccessInputError(f"--assembly: {exc}") from None
        with phase_of(progress, proving):
            return prove_world(World(stacks, spec, lock), selected)
    from airlock.synth import synth_app

    with tempfile.TemporaryDirectory(prefix="airlock-access-") as scratch:
        with phase_of(progress, "synthesizing and running the compliance packs"):
            synth_app(spec, Path(scratch), spec_path=spec_path)
        with phase_of(progress, proving):
            return prove_world(World(read_stacks(scratch), spec, lock), selected)
