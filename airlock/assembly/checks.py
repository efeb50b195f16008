"""Checks that run per unit after synthesis, with results cached under the unit's key.

``airlock check`` runs cfn-lint over every template. Its findings for one unit depend on
nothing but that unit's templates, so they are computed once per unit key (in the worker
that synthesized the unit, in parallel) and reused from the cache like the templates.

Adding another cached check is one :class:`UnitCheck` in :data:`UNIT_CHECKS`:

* ``run(folder)`` gets a unit folder (its templates, metadata files and ``unit.json``,
  see :mod:`airlock.assembly.split`) and returns JSON-serializable results, e.g. findings
  as dictionaries;
* a check whose verdict for a unit also depends on the organization layer (the access
  proof: the SCPs that fence the integration's account) sets
  ``depends_on_organization=True``: its results are then keyed by the unit's key and the
  keys of every organization unit, and it runs in the parent after the merge, where
  ``run`` may read the whole assembly (``assembly`` argument) besides the unit's folder;
* the check is requested by name: ``synth_assembly(..., checks=("cfn-lint", "<name>"))``,
  and its results come back in ``AssemblyRun.checks[name]``, unit by unit in assembly order.

The environment digest in every unit key (:func:`airlock.assembly.units.environment`)
covers the check's code when it is part of airlock and the versions in
:data:`airlock.assembly.units.LIBRARIES`; a check that depends on another library adds it there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Results = list[dict[str, Any]]


@dataclass(frozen=True)
class UnitCheck:
    name: str
    run: Callable[[Path, Path | None], Results]
    depends_on_organization: bool = False


def _cfn_lint(folder: Path, assembly: Path | None) -> Results:
    del assembly
    from airlock.compliance.cfnlint_check import lint_unit

    return lint_unit(folder)


#: Every per-unit check by name.
UNIT_CHECKS: dict[str, UnitCheck] = {"cfn-lint": UnitCheck("cfn-lint", _cfn_lint)}


def check_key(check: UnitCheck, unit_key: str, organization_keys: Sequence[str]) -> str:
    """The key of ``check``'s results for a unit."""
    parts = [check.name, unit_key, *(organization_keys if check.depends_on_organization else ())]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def unknown_checks(names: Sequence[str]) -> list[str]:
    return sorted(set(names) - set(UNIT_CHECKS))
