"""The base of every spec model, in a module of its own so that sub-model modules can share it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class SpecModel(BaseModel):
    """Unknown keys are errors (a typo never passes silently) and a validated spec is frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)
