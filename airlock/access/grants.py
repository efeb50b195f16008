"""Who grants a request: the principal's identity policies, the resource's policy, or both.

A grant is a set of *paths*; each path is a conjunction of *terms* and the request is granted
when one path holds. The paths encode AWS's documented rules:

Same account, ordinary resource policy
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html):
identity ∧ boundary ∧ session; or the resource policy naming the session, the user or ``*``
("not limited by an implicit deny in an identity-based policy, a permissions boundary, or
session policy"); or naming the role ARN ∧ boundary ∧ session ("limited by an implicit deny in
a permissions boundary or session policy"). Naming the account delegates to the account's
IAM policies, which is the identity path.

Cross account (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html):
identity ∧ boundary ∧ session ∧ the resource policy admitting the principal in any way.

KMS key policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html):
the key policy is always needed; identity policies count only where the key policy allows the
principal's account ("Without this permission, IAM policies that allow access to the key are
ineffective"); cross account needs both
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html).

Role trust policy (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html):
always needed; in the same account either the trust policy names the caller directly or it
trusts the account and the caller's identity policy allows the call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from airlock.access.compiled import Scan
from airlock.access.model import Policy, Source
from airlock.access.principals import MatchKind
from airlock.access.statements import CompiledStatement, Match
from airlock.access.tri import Tri

Found = list[tuple[CompiledStatement, Match]]
#: Why a term fails: text, or a function that writes it (built only when a verdict needs it).
Reason = str | Callable[[], str]


@dataclass(slots=True)
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
    if not result.applying and not result.maybe:
        return Term(name, False, failure, (), result.policies, [])
    applying = [(s, m) for s, m in result.applying if m.kinds & kinds]
    maybe = [(s, m) for s, m in result.maybe if m.kinds & kinds]
    value: Tri = True if applying else (None if maybe else False)
    allowing = tuple(s.statement.source for s, _ in applying[:1])
    return Term(name, value, failure, allowing, result.policies, maybe)


Path = tuple[Term, ...]


def path_value(path: Path) -> Tri:
    unknown = False
    for term in path:
        value = term.value
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


@dataclass
class Grant:
    """The paths that could grant a request, and the one that decides.

    Its paths are not changed once built: each path's value is computed once, when first asked.
    """

    paths: list[Path]
    assumptions: tuple[str, ...] = ()
    forced: Term | None = None  # a term that fails every path (KMS cross-account operations)
    _values: list[Tri] | None = field(default=None, init=False, repr=False, compare=False)

    def path_values(self) -> list[Tri]:
        values = self._values
        if values is None:
            values = self._values = [path_value(path) for path in self.paths]
        return values

    @property
    def value(self) -> Tri:
        if self.forced is not None:
            return False
        values = self.path_values()
        if True in values:
            return True
        return None if None in values else False

    def granting(self) -> Path:
        return next(path for path, value in zip(self.paths, self.path_values(), strict=True) if value is True)

    def closest(self) -> Term:
        """The failing term of the path nearest to granting (fewest failing, most holding terms)."""
        if self.forced is not None:
            return self.forced

        def rank(path: Path) -> tuple[int, int]:
            failing = holding = 0
            for term in path:
                if term.value is False:
                    failing += 1
                elif term.value is True:
                    holding += 1
            return (failing, -holding)

        best = min(self.paths, key=rank)
        return next(term for term in best if term.value is False)

    def maybe(self) -> Found:
        """Statements that could not be evaluated, in paths that are not False."""
        found: Found = []
        for path, value in zip(self.paths, self.path_values(), strict=True):
            if value is None:
                for term in path:
                    found.extend(term.maybe)
        return found
