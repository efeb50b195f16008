"""What ``airlock diff`` reports: security-relevant changes between two versions of a landing zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChangeKind = Literal["added", "removed", "changed"]

#: Categories in the order the report shows them.
CATEGORIES = (
    "integrations",
    "access",
    "principals",
    "source ranges and ports",
    "trust conditions",
    "domains",
    "guardrails",
    "endpoints",
    "regions",
    "retention",
    "alarm recipients",
    "accounts",
    "data classification",
    "compliance",
)


@dataclass(frozen=True)
class Change:
    """One security-relevant difference, in plain words."""

    category: str
    kind: ChangeKind
    #: Where: a spec field (``integrations.crm.access.principals``), a vendor principal, an SCP.
    subject: str
    #: What changed, in words (``arn:...:role/x can now sqs:ReceiveMessage on arn:...``).
    detail: str
    #: The change lets someone do, reach or trust more than before (or protects less).
    widens: bool = False
    integration: str | None = None


@dataclass
class ChangeReport:
    """Every security-relevant change from ``old`` to ``new``."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)
    #: Spec fields that changed but bear on no security property (descriptions, owners, ...).
    other: list[str] = field(default_factory=list)

    @property
    def widens(self) -> bool:
        return any(change.widens for change in self.changes)

    def sorted(self) -> list[Change]:
        order = {name: position for position, name in enumerate(CATEGORIES)}
        return sorted(
            self.changes,
            key=lambda c: (order.get(c.category, len(order)), c.integration or "", c.subject, c.kind, c.detail),
        )
