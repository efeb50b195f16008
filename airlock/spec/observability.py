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
        return _unique_addresses(value, "subscribers")


class OrganizationObservability(SpecModel):
    """Who hears the alarms of integrations that name no subscribers of their own."""

    default_subscribers: list[Email] = Field(
        default_factory=list,
        description="Email addresses subscribed to the alarm topic of every integration without "
        "observability.subscribers of its own (e.g. the platform team's on-call). An integration with neither "
        "is refused: its alarms would notify nobody.",
    )

    @field_validator("default_subscribers")
    @classmethod
    def _unique_subscribers(cls, value: list[str]) -> list[str]:
        return _unique_addresses(value, "default_subscribers")


def _unique_addresses(value: list[str], what: str) -> list[str]:
    duplicates = sorted({address for address in value if value.count(address) > 1})
    if duplicates:
        raise ValueError(f"{what} {duplicates} are listed twice; list each address once")
    return value


def alarm_subscribers(own: Observability, organization: OrganizationObservability) -> list[str]:
    """Who an integration's alarms mail: its own subscribers, else the organisation's default ones."""
    return list(own.subscribers or organization.default_subscribers)
