"""What an integration's alarms watch and whom they tell."""

from __future__ import annotations

from pydantic import Field, field_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import Email


class Observability(SpecModel):
    """Alarms, their subscribers and the thresholds they fire at."""

    subscribers: list[Email] = Field(
        default_factory=list,
        description="Email addresses subscribed to the integration's alarm topic (each confirms once).",
    )
    age_of_oldest_message_seconds: int = Field(
        default=900,
        ge=60,
        le=14 * 24 * 3600,
        description="Alarm when a buffer's oldest message has waited longer than this (consumers lag or are down).",
    )
    rejected_flows_threshold: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Alarm when the VPC flow logs record at least this many rejected flows in five minutes.",
    )

    @field_validator("subscribers")
    @classmethod
    def _unique_subscribers(cls, value: list[str]) -> list[str]:
        duplicates = sorted({address for address in value if value.count(address) > 1})
        if duplicates:
            raise ValueError(f"subscribers {duplicates} are listed twice; list each address once")
        return value
