"""The base of every spec model, in a module of its own so sub-model modules can import it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Unknown keys are errors and a validated spec is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
