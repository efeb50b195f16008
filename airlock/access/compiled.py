"""Policies compiled once and indexed by service prefix and action, and the scan of one layer.

The evaluator meets the same few hundred policies in hundreds of thousands of requests, so
each :class:`~airlock.access.model.Policy` is compiled the first time it is seen (statements
split by effect, indexed by the service prefixes their actions can match) and kept while the
policy object lives; an equal policy parsed again shares it. Per (effect, action) a compiled
policy remembers the statements whose actions can match, in scan order, each with its Match
when nothing else of the request can change it (``Resource: *``, no condition, a policy kind
without principals), so a scan reads only those statements and decides the rest of them
without reading the request. Every memo is bounded and emptied when full: it changes speed,
never an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from airlock.access.model import Effect, Policy, Principal, Source
from airlock.access.statements import CompiledStatement, Match
from airlock.access.tri import Tri
from airlock.access.variables import Lookup


class CompiledPolicy:
    """A policy's statements by effect and by the service prefix they can apply to."""

    __slots__ = ("_by_action", "_by_prefix", "_cache", "_wild", "source")

    def __init__(self, policy: Policy) -> None:
        self.source = policy.source
        self._wild: dict[Effect, list[CompiledStatement]] = {"Allow": [], "Deny": []}
        self._by_prefix: dict[tuple[Effect, str], list[CompiledStatement]] = {}
        self._cache: dict[tuple[Effect, str], tuple[CompiledStatement, ...]] = {}
        self._by_action: dict[tuple[Effect, str], tuple[Candidate, ...]] = {}
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

    def for_action(self, effect: Effect, action: str, prefix: str) -> tuple[Candidate, ...]:
        """The :meth:`candidates` that can apply to ``action`` (lowercased, of service
        ``prefix``), in the same order: each with its action answer (True, or None when its
        actions are unreadable) and its Match when no other part of the request changes it."""
        key = (effect, action)
        found = self._by_action.get(key)
        if found is None:
            found = tuple(_candidates(self.candidates(effect, prefix), action))
            if len(self._by_action) >= _ACTIONS_LIMIT:
                self._by_action.clear()
            self._by_action[key] = found
        return found


#: A statement that can apply to an action: (statement, action answer, Match or None).
Candidate = tuple[CompiledStatement, Tri, Match | None]


def _candidates(statements: Sequence[CompiledStatement], action: str) -> list[Candidate]:
    out: list[Candidate] = []
    for statement in statements:
        acts = statement.action_applies(action)
        if acts is False:
            continue
        fixed = statement.fixed_match(acts)
        if fixed is None or fixed.applies is not False:
            out.append((statement, acts, fixed))
    return out


#: Actions remembered per compiled policy before its memo is emptied (bounds memory only).
_ACTIONS_LIMIT = 1 << 15

_COMPILED: dict[int, tuple[Policy, CompiledPolicy]] = {}
_EQUAL: dict[Policy, CompiledPolicy] = {}
_LIMIT = 50_000


def compiled(policy: Policy) -> CompiledPolicy:
    """The compiled form of ``policy``: cached by identity (the cache holds the policy so its
    id cannot be reused while cached), and by value, so that a policy parsed again (a key
    policy read per request) shares the compiled form and what it has remembered."""
    held = _COMPILED.get(id(policy))
    if held is not None and held[0] is policy:
        return held[1]
    if len(_COMPILED) >= _LIMIT:
        _COMPILED.clear()
    if len(_EQUAL) >= _LIMIT:
        _EQUAL.clear()
    try:
        result = _EQUAL.get(policy)
        if result is None:
            result = _EQUAL[policy] = CompiledPolicy(policy)
    except TypeError:  # a hand-built policy holding a list: compiled, but not shared
        result = CompiledPolicy(policy)
    _COMPILED[id(policy)] = (policy, result)
    return result


class Scan:
    """The statements of one effect in some policies that apply (True) or may apply (None)."""

    __slots__ = ("applying", "maybe", "policies")

    def __init__(
        self,
        policies: Sequence[Policy] = (),
        applying: list[tuple[CompiledStatement, Match]] | None = None,
        maybe: list[tuple[CompiledStatement, Match]] | None = None,
    ) -> None:
        self.policies = policies
        self.applying: list[tuple[CompiledStatement, Match]] = [] if applying is None else applying
        self.maybe: list[tuple[CompiledStatement, Match]] = [] if maybe is None else maybe

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(policy.source for policy in self.policies)

    @property
    def value(self) -> Tri:
        if self.applying:
            return True
        return None if self.maybe else False


class Probe(NamedTuple):
    """The parts of a request a scan needs."""

    action: str  # lowercased
    prefix: str
    resource: str
    principal: Principal
    lookup: Lookup
    has_boundary: bool


def _for_action(policy: Policy, key: tuple[Effect, str], probe: Probe) -> tuple[Candidate, ...]:
    """``compiled(policy).for_action(*key, probe.prefix)``, in one call: a scan makes it for
    every policy a request meets."""
    held = _COMPILED.get(id(policy))
    form = held[1] if held is not None and held[0] is policy else compiled(policy)
    found = form._by_action.get(key)
    return found if found is not None else form.for_action(key[0], key[1], probe.prefix)


def scan(policies: Sequence[Policy], effect: Effect, probe: Probe, *, first: bool = False) -> Scan:
    """Every statement of ``effect`` in ``policies`` that applies or may apply to the request.

    :param first: stop at the first statement that applies.
    """
    applying: list[tuple[CompiledStatement, Match]] = []
    maybe: list[tuple[CompiledStatement, Match]] = []
    key = (effect, probe.action)
    for policy in policies:
        for statement, acts, fixed in _for_action(policy, key, probe):
            match = fixed or statement.match_action(
                acts, probe.resource, probe.principal, probe.lookup, probe.has_boundary
            )
            if match.applies is True:
                applying.append((statement, match))
                if first:
                    return Scan(policies, applying, maybe)
            elif match.applies is None:
                maybe.append((statement, match))
    return Scan(policies, applying, maybe)


def lead(policies: Sequence[Policy], effect: Effect, probe: Probe) -> tuple[CompiledStatement, Match] | None:
    """What ``scan(policies, effect, probe, first=True)`` finds when it is known without
    reading the request beyond its action: the first statement that can apply applies to every
    such request. None when the scan has to run."""
    key = (effect, probe.action)
    for policy in policies:
        found = _for_action(policy, key, probe)
        if found:
            statement, _, fixed = found[0]
            return (statement, fixed) if fixed is not None and fixed.applies is True else None
    return None
