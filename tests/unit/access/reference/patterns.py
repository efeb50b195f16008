"""Wildcard matching as IAM does it, compiled once per pattern.

- Actions (``Action``/``NotAction``) compare case-insensitively; ``*`` matches any run of
  characters and ``?`` any one character
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
- Resource ARNs (``Resource``/``NotResource`` and the ``Arn*`` condition operators) compare
  case-sensitively and *per colon-delimited segment*: a wildcard never expands across one of
  the first five colons, while the last segment (the resource part) may itself hold colons
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
- ``StringLike`` compares case-sensitively over the whole string.

Every compiled pattern is cached (:func:`functools.lru_cache`), so a policy met a hundred
thousand times is compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

#: One piece of a pattern: literal text, or text whose ``*``/``?`` are wildcards.
Piece = tuple[bool, str]  # (is_pattern, text)

_CACHE = 1 << 16


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _translate(text: str, *, star: str, one: str) -> str:
    out: list[str] = []
    for char in text:
        if char == "*":
            out.append(star)
        elif char == "?":
            out.append(one)
        else:
            out.append(re.escape(char))
    return "".join(out)


@lru_cache(maxsize=_CACHE)
def string_regex(pieces: tuple[Piece, ...], ignore_case: bool = False) -> re.Pattern[str]:
    """A whole-string regex: pattern pieces translate ``*``/``?``, literal pieces are escaped."""
    body = "".join(_translate(text, star=".*", one=".") if wild else re.escape(text) for wild, text in pieces)
    return re.compile(f"(?s:{body})\\Z", re.IGNORECASE if ignore_case else 0)


def _arn_body(pieces: tuple[Piece, ...]) -> str:
    """Translate pieces of an ARN pattern; wildcards stay inside their colon-delimited segment."""
    out: list[str] = []
    colons = 0
    for wild, text in pieces:
        for char in text:
            last = colons >= 5
            if char == ":" and not last:
                colons += 1
                out.append(":")
            elif wild and char == "*":
                out.append(".*" if last else "[^:]*")
            elif wild and char == "?":
                out.append("." if last else "[^:]")
            else:
                out.append(re.escape(char))
    return "".join(out)


@lru_cache(maxsize=_CACHE)
def arn_regex(pieces: tuple[Piece, ...]) -> re.Pattern[str] | None:
    """A regex matching ARNs segment by segment; None when the pattern is not ARN-shaped
    (fewer than six colon-delimited segments and not a bare ``*``)."""
    text = "".join(text for _, text in pieces)
    if pieces and all(wild for wild, _ in pieces) and text and set(text) == {"*"}:
        return re.compile("(?s:.*)\\Z")
    if text.count(":") < 5:
        return None
    return re.compile(f"(?s:{_arn_body(pieces)})\\Z")


def arn_shaped(text: str) -> bool:
    """True for ``*`` and for text with at least six colon-delimited segments."""
    return (bool(text) and set(text) == {"*"}) or text.count(":") >= 5


@lru_cache(maxsize=_CACHE)
def arn_pattern(pattern: str) -> re.Pattern[str] | None:
    """:func:`arn_regex` of a pattern without policy variables."""
    return arn_regex(((True, pattern),))


def arn_matches(pattern: str, arn: str) -> bool:
    """``Resource``/``ArnLike`` matching of one pattern without policy variables."""
    regex = arn_pattern(pattern)
    return regex is not None and regex.match(arn) is not None


class ActionMatcher:
    """The ``Action`` (or ``NotAction``) list of a statement, compiled.

    Exact names go into a set; wildcard patterns into one alternation regex. Both compare
    lowercased names, since action names are case-insensitive.
    """

    __slots__ = ("exact", "patterns", "prefixes", "regex")

    def __init__(self, patterns: Sequence[str]) -> None:
        lowered = tuple(pattern.lower() for pattern in patterns)
        self.patterns = lowered
        self.exact = frozenset(p for p in lowered if not has_wildcard(p))
        wild = tuple(p for p in lowered if has_wildcard(p))
        self.regex = _alternation(wild) if wild else None
        self.prefixes = _prefixes(lowered)

    def matches(self, action: str) -> bool:
        """``action`` lowercased."""
        if action in self.exact:
            return True
        return self.regex is not None and self.regex.match(action) is not None


@lru_cache(maxsize=_CACHE)
def _alternation(patterns: tuple[str, ...]) -> re.Pattern[str]:
    body = "|".join(_translate(p, star=".*", one=".") for p in patterns)
    return re.compile(f"(?s:{body})\\Z")


def _prefixes(patterns: tuple[str, ...]) -> frozenset[str] | None:
    """The service prefixes the patterns can match; None when one of them can match any."""
    out: set[str] = set()
    for pattern in patterns:
        prefix, colon, _ = pattern.partition(":")
        if not colon or has_wildcard(prefix):
            return None
        out.add(prefix)
    return frozenset(out)


@lru_cache(maxsize=_CACHE)
def action_matcher(patterns: tuple[str, ...]) -> ActionMatcher:
    return ActionMatcher(patterns)
