"""Synthesis in units: parallel, cached, merged into one cloud assembly (docs/deployment-at-scale.md)."""

from airlock.assembly.cache import UnitCache
from airlock.assembly.checks import UNIT_CHECKS, UnitCheck
from airlock.assembly.run import AssemblyRun, default_jobs, synth_assembly
from airlock.assembly.units import Unit, UnitPlan, plan_units

__all__ = [
    "UNIT_CHECKS",
    "AssemblyRun",
    "Unit",
    "UnitCache",
    "UnitCheck",
    "UnitPlan",
    "default_jobs",
    "plan_units",
    "synth_assembly",
]
