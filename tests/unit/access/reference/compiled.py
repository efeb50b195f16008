"""Reference copy of ``airlock.access.compiled`` (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from airlock.access.model import Effect, Policy, Principal, Source
from airlock.access.tri import Tri
from airlock.access.variables import Lookup
from tests.unit.access.reference.statements import CompiledStatement, Match


class CompiledPolicy:
    """A policy's statements by effect and by the service prefix they can apply to."""

    __slots__ = ("_by_prefix", "_cache", "_wild", "source")

    def __init__(self, policy: Policy) -> None:
        self.source = policy.source
        self._wild: dict[Effect, list[CompiledStatement]] = {"Allow": [], "Deny": []}
        self._by_prefix: dict[tuple[Effect, str], list[CompiledStatement]] = {}
        self._cache: dict[tuple[Effect, str], tuple[CompiledStatement, ...]] = {}
        for statement in policy.statements:
            compiled = CompiledStatement(statement, policy.source.kind)
            prefixes = compiled.prefixes
            if prefixes is None:
                self._wild[statement.effect].append(compiled)
            else:
                for prefix in prefixes:
                    self._by_prefix.setdefault((statement.effect, prefix), []).append(compiled)

    def candidates(self, effect: Effect, prefix: str) -> tuple[CompiledStatement, ...]:
        """Statements of ``effect`` whose actions can match a ``prefix:...`` action: those
        naming the prefix, then those that can match any."""
        key = (effect, prefix)
        found = self._cache.get(key)
        if found is None:
            found = (*self._by_prefix.get(key, ()), *self._wild[effect])
            self._cache[key] = found
        return found


_COMPILED: dict[int, tuple[Policy, CompiledPolicy]] = {}
_LIMIT = 50_000


def compiled(policy: Policy) -> CompiledPolicy:
    """The compiled form of ``policy`` (cached by identity; the cache holds the policy so
    its id cannot be reused while cached)."""
    held = _COMPILED.get(id(policy))
    if held is not None and held[0] is policy:
        return held[1]
    if len(_COMPILED) >= _LIMIT:
        _COMPILED.clear()
    result = CompiledPolicy(policy)
    _COMPILED[id(policy)] = (policy, result)
    return result


@dataclass
class Scan:
    """The statements of one effect in some policies that apply (True) or may apply (None)."""

    policies: Sequence[Policy] = ()
    applying: list[tuple[CompiledStatement, Match]] = field(default_factory=list)
    maybe: list[tuple[CompiledStatement, Match]] = field(default_factory=list)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(policy.source for policy in self.policies)

    @property
    def value(self) -> Tri:
        if self.applying:
            return True
        return None if self.maybe else False


@dataclass(frozen=True)
class Probe:
    """The parts of a request a scan needs."""

    action: str  # lowercased
    prefix: str
    resource: str
    principal: Principal
    lookup: Lookup
    has_boundary: bool


def scan(policies: Sequence[Policy], effect: Effect, probe: Probe, *, first: bool = False) -> Scan:
    """Every statement of ``effect`` in ``policies`` that applies or may apply to the request.

    :param first: stop at the first statement that applies.
    """
    result = Scan(policies)
    action, prefix, resource, principal = probe.action, probe.prefix, probe.resource, probe.principal
    lookup, has_boundary = probe.lookup, probe.has_boundary
    for policy in policies:
        for statement in compiled(policy).candidates(effect, prefix):
            match = statement.match(action, resource, principal, lookup, has_boundary)
            if match.applies is True:
                result.applying.append((statement, match))
                if first:
                    return result
            elif match.applies is None:
                result.maybe.append((statement, match))
    return result
