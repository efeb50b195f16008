"""Review status of integrations: pure functions of the spec and a date.

``airlock register`` flags overdue reviews in its output; ``overdue(spec, today)`` is what a
CI gate (``airlock check --fail-on-overdue``) uses. The date is always a parameter, so the
same inputs give the same answer on any day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from airlock.spec import Integration, Spec

ReviewStatus = Literal["current", "due-soon", "overdue", "not-assessed"]

#: A review due within this many days is reported as 'due-soon'.
DUE_SOON_DAYS = 30
#: Statuses that fail a review gate: overdue, and never assessed at all.
FAILING: frozenset[str] = frozenset({"overdue", "not-assessed"})


@dataclass(frozen=True)
class ReviewState:
    """Where an integration's review stands on a given day."""

    integration: str
    status: ReviewStatus
    last_assessed: date | None = None
    next_review: date | None = None
    interval: str | None = None
    #: Days until the next review is due; negative once it is overdue; None if never assessed.
    days_left: int | None = None

    @property
    def message(self) -> str:
        if self.status == "not-assessed":
            return f"{self.integration}: never assessed; add review.last_assessed to the spec after an assessment"
        if self.status == "overdue":
            return (
                f"{self.integration}: review overdue since {self.next_review} ({-(self.days_left or 0)} days; "
                f"last assessed {self.last_assessed}, every {self.interval})"
            )
        return f"{self.integration}: next review {self.next_review} ({self.status})"


def review_state(integration: Integration, today: date) -> ReviewState:
    """The review status of one integration on ``today``."""
    review = integration.review
    if review is None:
        return ReviewState(integration=integration.name, status="not-assessed")
    next_review = review.next_review
    days_left = (next_review - today).days
    status: ReviewStatus
    if days_left < 0:
        status = "overdue"
    elif days_left <= DUE_SOON_DAYS:
        status = "due-soon"
    else:
        status = "current"
    return ReviewState(
        integration=integration.name,
        status=status,
        last_assessed=review.last_assessed,
        next_review=next_review,
        interval=review.interval,
        days_left=days_left,
    )


def review_states(spec: Spec, today: date) -> list[ReviewState]:
    """Review status of every integration, in spec order."""
    return [review_state(integration, today) for integration in spec.integrations]


def overdue(spec: Spec, today: date) -> list[ReviewState]:
    """Integrations whose review is overdue on ``today``, or that were never assessed."""
    return [state for state in review_states(spec, today) if state.status in FAILING]
