"""``airlock register``: spec (and its synthesized assembly) in, register folder out."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from airlock.compliance.progress import Progress, phase_of
from airlock.register.assembly import Assembly, read_assembly
from airlock.register.build import build_register
from airlock.register.records import Register
from airlock.register.reviews import ReviewState, overdue
from airlock.register.writer import RegisterOutputError, check_output, write_register
from airlock.spec import AccountLock, Spec, load, load_account_lock


@dataclass(frozen=True)
class RegisterResult:
    register: Register
    files: tuple[Path, ...]
    overdue: tuple[ReviewState, ...]

    @property
    def compliance_failed(self) -> list[str]:
        return [r.name for r in self.register.integrations if r.compliance.status == "failed"]


def check_assembly(spec: Spec, lock: AccountLock, assembly: Assembly, where: Path) -> None:
    """The assembly must be of this spec: every integration with an account has stacks, and no others."""
    names = {i.name for i in spec.integrations}
    tagged = {s.integration for s in assembly.stacks if s.integration is not None}
    missing = sorted(i.name for i in spec.integrations if lock.account_id(i) and i.name not in tagged)
    stale = sorted(tagged - names)
    if missing or stale:
        detail = (f"no stacks of {missing}" if missing else "") + (
            f"{'; ' if missing else ''}stacks of integrations not in the spec {stale}" if stale else ""
        )
        raise RegisterOutputError(
            f"--assembly '{where}' does not match the spec ({detail}); synthesize this spec into it first "
            "or leave --assembly out"
        )


def register(
    spec_path: Path,
    out: Path,
    *,
    today: date | None = None,
    assembly_dir: Path | None = None,
    progress: Progress | None = None,
) -> RegisterResult:
    """Validate the spec, synthesize it (or read ``assembly_dir``), and write the register into ``out``.

    ``today`` judges reviews and is recorded in the register when given; default: the system
    date, not recorded (so the same spec gives the same files on the same day). ``progress``
    shows the phases (three with ``assembly_dir``, four without).
    """
    effective = today or date.today()
    with phase_of(progress, "loading the spec"):
        spec = load(spec_path, today=effective)
        lock = load_account_lock(spec_path)
        check_output(out)
    building = "proving each vendor's effective access and building the register"
    if assembly_dir is not None:
        if not (assembly_dir / "manifest.json").is_file():
            raise RegisterOutputError(
                f"--assembly '{assembly_dir}' is not a cloud assembly (no manifest.json); run `airlock synth` first"
            )
        assembly = read_assembly(assembly_dir)
        check_assembly(spec, lock, assembly, assembly_dir)
        with phase_of(progress, building):
            built = build_register(spec, today=effective, lock=lock, assembly=assembly, record_date=today is not None)
    else:
        from airlock.synth import synth_app

        with tempfile.TemporaryDirectory(prefix="airlock-register-") as scratch:
            with phase_of(progress, "synthesizing and running the compliance packs"):
                synth_app(spec, Path(scratch), spec_path=spec_path)
            assembly = read_assembly(Path(scratch))
            # Built while the assembly exists: the access proof reads it.
            with phase_of(progress, building):
                built = build_register(
                    spec, today=effective, lock=lock, assembly=assembly, record_date=today is not None
                )
    with phase_of(progress, "writing the register"):
        files = write_register(built, out)
    return RegisterResult(register=built, files=tuple(files), overdue=tuple(overdue(spec, effective)))
