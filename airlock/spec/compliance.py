"""Which compliance packs check the landing zone.

AwsSolutions and the project's own AirlockChecks always run; the spec selects the others.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from airlock.spec.base import SpecModel

SelectablePack = Literal["NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321", "ControlTower"]
ALWAYS_ON = ("AwsSolutions", "Airlock")
DEFAULT_SELECTED: tuple[str, ...] = ("NIST.800.53.R5", "ControlTower")


class Compliance(SpecModel):
    """Compliance packs that run on every synthesis, in addition to AwsSolutions and AirlockChecks."""

    packs: list[SelectablePack] = Field(
        default_factory=lambda: list(DEFAULT_SELECTED),
        description="Packs to run besides AwsSolutions and AirlockChecks (which always run): NIST.800.53.R5, "
        "HIPAA.Security, PCI.DSS.321 (cdk-nag) and ControlTower (AWS Control Tower proactive controls "
        "through cfn-guard). Default: NIST.800.53.R5 and ControlTower.",
    )

    @field_validator("packs", mode="before")
    @classmethod
    def _not_always_on(cls, value: object) -> object:
        if isinstance(value, list):
            for name in value:
                if name in ALWAYS_ON:
                    raise ValueError(f"'{name}' always runs; remove it from packs")
            duplicates = sorted({name for name in value if isinstance(name, str) and value.count(name) > 1})
            if duplicates:
                raise ValueError(f"packs {duplicates} are listed twice; list each pack once")
        return value
