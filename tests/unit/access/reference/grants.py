"""Reference copy of ``airlock.access.grants`` (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from airlock.access.model import Policy, Source
from airlock.access.principals import MatchKind
from airlock.access.tri import Tri, all_
from tests.unit.access.reference.compiled import Scan
from tests.unit.access.reference.statements import CompiledStatement, Match

Found = list[tuple[CompiledStatement, Match]]
#: Why a term fails: text, or a function that writes it (built only when a verdict needs it).
Reason = str | Callable[[], str]


@dataclass
class Term:
    """One condition of a path, with what decided it."""

    name: str
    value: Tri
    failure: Reason
    allowing: tuple[Source, ...] = ()
    policies: Sequence[Policy] = ()
    maybe: Found = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.failure if isinstance(self.failure, str) else self.failure()

    @property
    def consulted(self) -> tuple[Source, ...]:
        return tuple(policy.source for policy in self.policies)

    @staticmethod
    def constant(name: str, value: bool, failure: Reason = "") -> Term:
        return Term(name, value, failure)

    @staticmethod
    def of(name: str, result: Scan, failure: Reason) -> Term:
        allowing = (result.applying[0][0].statement.source,) if result.applying else ()
        return Term(name, result.value, failure, allowing, result.policies, result.maybe)


def resource_term(name: str, result: Scan, kinds: frozenset[MatchKind], failure: Reason) -> Term:
    """The resource policy's statements that match the principal in one of ``kinds``."""
    applying = [(s, m) for s, m in result.applying if m.kinds & kinds]
    maybe = [(s, m) for s, m in result.maybe if m.kinds & kinds]
    value: Tri = True if applying else (None if maybe else False)
    allowing = tuple(s.statement.source for s, _ in applying[:1])
    return Term(name, value, failure, allowing, result.policies, maybe)


Path = tuple[Term, ...]


def path_value(path: Path) -> Tri:
    return all_(term.value for term in path)


@dataclass
class Grant:
    """The paths that could grant a request, and the one that decides."""

    paths: list[Path]
    assumptions: tuple[str, ...] = ()
    forced: Term | None = None  # a term that fails every path (KMS cross-account operations)

    @property
    def value(self) -> Tri:
        if self.forced is not None:
            return False
        values = [path_value(path) for path in self.paths]
        if any(value is True for value in values):
            return True
        return None if any(value is None for value in values) else False

    def granting(self) -> Path:
        return next(path for path in self.paths if path_value(path) is True)

    def closest(self) -> Term:
        """The failing term of the path nearest to granting (fewest failing, most holding terms)."""
        if self.forced is not None:
            return self.forced

        def rank(path: Path) -> tuple[int, int]:
            return (sum(term.value is False for term in path), -sum(term.value is True for term in path))

        best = min(self.paths, key=rank)
        return next(term for term in best if term.value is False)

    def maybe(self) -> Found:
        """Statements that could not be evaluated, in paths that are not False."""
        found: Found = []
        for path in self.paths:
            if path_value(path) is None:
                for term in path:
                    found.extend(term.maybe)
        return found
