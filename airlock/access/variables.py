"""Policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'default'}``, ``${*}``).

What AWS documents (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):

- Variables exist from policy Version ``2012-10-17``; under earlier versions ``${...}`` is
  literal text.
- They are allowed in the resource part of ``Resource``/``NotResource`` ARNs and in the values
  of the string and ARN condition operators.
- ``${*}``, ``${?}`` and ``${$}`` stand for a literal ``*``, ``?`` and ``$``.
- ``${key, 'default'}`` uses ``default`` when the key has no value.
- A key with no value is "effectively null": a ``Resource`` entry holding it matches no
  resource; in a condition, ``StringEquals``/``StringLike`` do not match it and the negated
  operators do.
- Only single-valued keys can be variables.

Anything outside that (a multivalued key, a key whose value is unknown, a substituted value
that would carry a wildcard into a ``Like`` comparison) resolves to :data:`UNKNOWN`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Final, Literal

from airlock.access.model import MULTIVALUED_KEYS
from airlock.access.patterns import Piece


class Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: The request does not carry the variable's key and the variable has no default.
NULL: Final = Marker("NULL")
#: The variable's value cannot be known (see the module docstring).
UNKNOWN: Final = Marker("UNKNOWN")

#: What a request lookup gives: the key's values, None when absent, UNKNOWN when unknowable.
Lookup = Callable[[str], "tuple[str, ...] | Marker | None"]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_DEFAULT = re.compile(r"\s*([^,\s']+)\s*(?:,\s*'([^']*)'\s*)?\Z")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}

#: A parsed value: literal text, pattern text, or a variable (lowercased key, default).
Part = tuple[Literal["lit"], str] | tuple[Literal["pat"], str] | tuple[Literal["var"], str, str | None]


def has_variable(text: str) -> bool:
    return "${" in text


@lru_cache(maxsize=1 << 14)
def parse_template(text: str) -> tuple[Part, ...] | None:
    """The parts of a value with variables; None when a ``${...}`` is malformed."""
    parts: list[Part] = []
    position = 0
    for found in _VARIABLE.finditer(text):
        if found.start() > position:
            parts.append(("pat", text[position : found.start()]))
        inner = found.group(1)
        if inner in _ESCAPES:
            parts.append(("lit", _ESCAPES[inner]))
        else:
            key_default = _KEY_DEFAULT.match(inner)
            if key_default is None:
                return None
            parts.append(("var", key_default.group(1).lower(), key_default.group(2)))
        position = found.end()
    if position < len(text):
        parts.append(("pat", text[position:]))
    if any(part[0] == "pat" and "${" in part[1] for part in parts):
        return None
    return tuple(parts)


def resolve(text: str, lookup: Lookup, *, wildcards: bool) -> tuple[Piece, ...] | Marker:
    """Substitute the variables of ``text``.

    :param wildcards: the comparison treats ``*``/``?`` as wildcards (``Like`` operators,
        ``Resource``); a substituted value containing one is then UNKNOWN.
    :returns: pieces for :mod:`airlock.access.patterns` (substituted values and escapes are
        literal pieces), NULL or UNKNOWN.
    """
    parts = parse_template(text)
    if parts is None:
        return UNKNOWN
    pieces: list[Piece] = []
    for part in parts:
        if part[0] == "pat":
            pieces.append((True, part[1]))
        elif part[0] == "lit":
            pieces.append((False, part[1]))
        else:
            value = _variable_value(part[1], part[2], lookup)
            if isinstance(value, Marker):
                return value
            if wildcards and ("*" in value or "?" in value):
                return UNKNOWN
            pieces.append((False, value))
    return tuple(pieces)


def _variable_value(key: str, default: str | None, lookup: Lookup) -> str | Marker:
    if key in MULTIVALUED_KEYS:
        return UNKNOWN
    values = lookup(key)
    if isinstance(values, Marker):
        return UNKNOWN
    if not values:
        return default if default is not None else NULL
    if len(values) > 1:
        return UNKNOWN
    return values[0]


def text_of(pieces: tuple[Piece, ...]) -> str:
    """The plain text of resolved pieces (for exact comparisons)."""
    return "".join(text for _, text in pieces)


def variables_before_resource_part(arn: str) -> bool:
    """A variable in the first five colon-delimited segments of an ARN (AWS allows them only
    in the resource part, after the fifth colon)."""
    head = arn.split(":", 5)[:5] if arn.count(":") >= 5 else [arn]
    return any(has_variable(segment) for segment in head)
