"""Spec blocks for registration: contract, data flows, reviews and the budget.

These describe an integration for the people who assess, pay for and answer for it; the
register (``airlock register``), the AppRegistry attribute group and the budget are built
from them.

Anything that depends on the current date takes it from the validation context
(``validate(data, today=...)``), so that a test or a reproducible run can fix it.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import Email, Name

#: Data classifications, lowest first; the order lets checks compare them.
CLASSIFICATION_ORDER: tuple[str, ...] = ("public", "internal", "confidential", "restricted")

Direction = Literal["inbound", "outbound", "bidirectional"]
Channel = Literal["privatelink", "role", "drop-zone", "webhook", "event-source"]

#: AWS Budgets allows five notifications per budget and ten email subscribers per notification.
MAX_BUDGET_NOTIFICATIONS = 5
MAX_BUDGET_EMAILS = 10


def today_from(info: ValidationInfo) -> date:
    """The date validation runs against: ``context["today"]`` when given, else the system date."""
    context = info.context if isinstance(info.context, dict) else {}
    given = context.get("today")
    return given if isinstance(given, date) else date.today()


class DataFlow(SpecModel):
    """One flow of data across the integration's boundary."""

    name: Name = Field(description="Short name of the flow, unique within the integration (e.g. 'customer-sync').")
    direction: Direction = Field(
        description="'inbound' (from the vendor to the organisation), 'outbound' (to the vendor) or 'bidirectional'."
    )
    classification: Literal["public", "internal", "confidential", "restricted"] = Field(
        description="Classification of the data in this flow; at most the integration's data_classification."
    )
    description: str = Field(min_length=1, max_length=256, description="What data flows, and why.")
    via: Channel = Field(
        description="How the data crosses into the intermediate account: 'privatelink' (an endpoint service or "
        "interface endpoint), 'role' (the vendor assumes a scoped role), 'drop-zone' (files in the S3 drop zone), "
        "'webhook' (the vendor pushes to a webhook endpoint) or 'event-source' (events of an EventBridge partner "
        "event source, delivered to a buffer)."
    )
    buffer: str | None = Field(
        default=None,
        description="Buffer of this integration the flow passes through. Default: for 'drop-zone' flows the drop "
        "zone's notify_buffer, for 'event-source' flows the buffer of the integration's only event source, for "
        "'webhook' flows the first webhook's buffer, otherwise none.",
    )
    consumers: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="Core systems that consume (or, for outbound flows, produce) the data, e.g. 'sales-api'.",
    )

    @field_validator("consumers")
    @classmethod
    def _consumers(cls, value: list[str]) -> list[str]:
        for consumer in value:
            if not consumer.strip() or len(consumer) > 64:
                raise ValueError(f"consumer {consumer!r} must be 1-64 characters; name the core system")
        if len(set(value)) != len(value):
            raise ValueError(f"consumers {value} list a consumer twice; list each once")
        return value


class Review(SpecModel):
    """When the integration was last assessed, and how often it must be assessed again."""

    last_assessed: date = Field(description="Date of the last security and vendor assessment (YYYY-MM-DD).")
    interval_months: int | None = Field(
        default=None, description="Months between assessments. Give this or interval_days; default: 12 months."
    )
    interval_days: int | None = Field(default=None, description="Days between assessments, instead of months.")

    @field_validator("last_assessed")
    @classmethod
    def _not_in_future(cls, value: date, info: ValidationInfo) -> date:
        today = today_from(info)
        if value > today:
            raise ValueError(
                f"{value.isoformat()} is after today ({today.isoformat()}); last_assessed is the date an "
                "assessment took place, so write a date that has passed"
            )
        return value

    @field_validator("interval_months", "interval_days")
    @classmethod
    def _positive(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and value <= 0:
            unit = "months" if info.field_name == "interval_months" else "days"
            raise ValueError(
                f"{info.field_name} {value} is not a positive number; give the {unit} between assessments, "
                f"e.g. {12 if unit == 'months' else 180}"
            )
        return value

    @model_validator(mode="after")
    def _one_interval(self) -> Review:
        if self.interval_months is not None and self.interval_days is not None:
            raise ValueError(
                f"interval_months {self.interval_months} and interval_days {self.interval_days} are both given; "
                "keep one of them"
            )
        return self

    @property
    def interval(self) -> str:
        """The interval as people say it: '12 months', '90 days'."""
        if self.interval_days is not None:
            return f"{self.interval_days} days"
        return f"{self.interval_months or 12} months"

    @property
    def next_review(self) -> date:
        """The date the next assessment is due."""
        if self.interval_days is not None:
            return date.fromordinal(self.last_assessed.toordinal() + self.interval_days)
        return add_months(self.last_assessed, self.interval_months or 12)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day where needed."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Budget(SpecModel):
    """A monthly AWS Budgets budget for the intermediate account, with email notifications."""

    amount: float = Field(description="Monthly cost limit of the intermediate account, in the currency below.")
    currency: Literal["USD"] = Field(default="USD", description="Currency of the amount (AWS Budgets uses USD).")
    thresholds_percent: list[float] = Field(
        default_factory=lambda: [80.0, 100.0],
        description="Percentages of the amount at which actual cost notifies (at most 5). Default: 80 and 100.",
    )
    notify: list[Email] = Field(
        default_factory=list,
        description="Email addresses to notify (at most 10). Default: the integration's contact.",
    )

    @field_validator("amount")
    @classmethod
    def _amount_positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError(f"amount {value:g} is not above 0; give the monthly cost limit, e.g. 500")
        return value

    @field_validator("thresholds_percent")
    @classmethod
    def _thresholds(cls, value: list[float]) -> list[float]:
        if not value:
            raise ValueError("no thresholds given; list at least one percentage, e.g. [80, 100]")
        if len(value) > MAX_BUDGET_NOTIFICATIONS:
            raise ValueError(
                f"{len(value)} thresholds {value}; AWS Budgets allows {MAX_BUDGET_NOTIFICATIONS} notifications "
                "per budget, so keep at most five"
            )
        for threshold in value:
            if not 0 < threshold <= 1000:
                raise ValueError(f"threshold {threshold:g} is not a percentage above 0 and at most 1000; e.g. 80")
        if len(set(value)) != len(value):
            raise ValueError(f"thresholds {value} list a percentage twice; list each once")
        return sorted(value)

    @field_validator("notify")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_BUDGET_EMAILS:
            raise ValueError(
                f"{len(value)} addresses; AWS Budgets notifies at most {MAX_BUDGET_EMAILS} per notification"
            )
        if len(set(value)) != len(value):
            raise ValueError(f"addresses {value} list an address twice; list each once")
        return value
