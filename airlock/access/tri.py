"""Three-valued (Kleene) logic: True, False, and None for "cannot be known"."""

from __future__ import annotations

from collections.abc import Iterable

Tri = bool | None


def any_(values: Iterable[Tri]) -> Tri:
    """Kleene OR: True if one is True, else None if one is None, else False."""
    unknown = False
    for value in values:
        if value is True:
            return True
        if value is None:
            unknown = True
    return None if unknown else False


def all_(values: Iterable[Tri]) -> Tri:
    """Kleene AND: False if one is False, else None if one is None, else True."""
    unknown = False
    for value in values:
        if value is False:
            return False
        if value is None:
            unknown = True
    return None if unknown else True


def not_(value: Tri) -> Tri:
    return None if value is None else not value
