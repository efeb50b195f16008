"""Errors of the spec layer: every problem is collected, then raised once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]


def format_path(loc: Loc) -> str:
    """``("integrations", 1, "network", "cidr")`` -> ``integrations[1].network.cidr``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(spec)"


@dataclass(frozen=True)
class SpecIssue:
    """One problem in a spec: where it is, and a message that names the bad value and the fix."""

    loc: Loc
    message: str
    line: int | None = None

    @property
    def path(self) -> str:
        return format_path(self.loc)

    def render(self, source: str | None = None) -> str:
        where = ""
        if source is not None:
            where = f"{source}:{self.line}: " if self.line else f"{source}: "
        return f"{where}{self.path}: {self.message}"


class SpecError(Exception):
    """The spec is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[SpecIssue], source: str | None = None) -> None:
        self.issues = tuple(issues)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''} in the spec" + (f" {self.source}" if self.source else "")
        return head + ":\n" + "\n".join(f"  {issue.render(self.source)}" for issue in self.issues)
