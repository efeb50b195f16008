"""Which actions of an IAM action catalogue a set of Allow statements can cover.

Used to prune exhaustive effective-access enumeration: an action that no Allow statement's
``Action``/``NotAction`` covers is implicitly denied by those policies, whatever the resource
or context. The catalogue (about 20,000 names) is indexed once by service prefix, and the
cover of each distinct pattern tuple is computed once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from airlock.access.model import Statement
from airlock.access.patterns import action_matcher


class _Index:
    """A catalogue indexed by lowercased service prefix."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.every = frozenset(names)
        by_prefix: dict[str, list[tuple[str, str]]] = {}
        for name in names:
            lowered = name.lower()
            by_prefix.setdefault(lowered.partition(":")[0], []).append((lowered, name))
        self.by_prefix = {prefix: tuple(items) for prefix, items in by_prefix.items()}
        self.all = tuple(item for items in self.by_prefix.values() for item in items)


_INDEXES: dict[int, tuple[object, _Index]] = {}


def _index(catalogue: Iterable[str]) -> _Index:
    """The index of ``catalogue``: once per immutable catalogue object, else per content."""
    if isinstance(catalogue, (tuple, frozenset)):
        held = _INDEXES.get(id(catalogue))
        if held is not None and held[0] is catalogue:
            return held[1]
        index = _index_of(tuple(catalogue))
        if len(_INDEXES) > 64:
            _INDEXES.clear()
        _INDEXES[id(catalogue)] = (catalogue, index)
        return index
    return _index_of(tuple(catalogue))


@lru_cache(maxsize=16)
def _index_of(names: tuple[str, ...]) -> _Index:
    return _Index(names)


@lru_cache(maxsize=1 << 14)
def _cover(index: _Index, patterns: tuple[str, ...]) -> frozenset[str]:
    """The catalogue names that one of ``patterns`` matches."""
    matcher = action_matcher(patterns)
    pool: Sequence[tuple[str, str]]
    if matcher.prefixes is None:
        pool = index.all
    else:
        pool = tuple(item for prefix in matcher.prefixes for item in index.by_prefix.get(prefix, ()))
    return frozenset(name for lowered, name in pool if matcher.matches(lowered))


def covered(statements: Iterable[Statement], catalogue: Iterable[str]) -> frozenset[str]:
    """The union, over the statements, of the catalogue actions each one's Action covers (or
    its NotAction leaves out); a statement with neither readable covers everything."""
    index = _index(catalogue)
    out: set[str] = set()
    for statement in statements:
        if statement.actions is not None:
            out |= _cover(index, statement.actions)
        elif statement.not_actions is not None:
            out |= index.every - _cover(index, statement.not_actions)
        else:
            return index.every
        if len(out) == len(index.every):
            break
    return frozenset(out)
