"""The base of every spec model: unknown keys are errors, and a validated spec is frozen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
