"""Typed readings of condition values: booleans, numbers, dates, IP networks.

Each reader returns None for text it cannot read, which the condition operators turn into
"cannot be known" rather than a guess.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")
_EPOCH = re.compile(r"\d+(\.\d+)?\Z")
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d{2}))?\Z")


def boolean(text: str) -> bool | None:
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    return None


@lru_cache(maxsize=4096)
def number(text: str) -> Decimal | None:
    """An integer or decimal (the Numeric operators compare "an integer or decimal value")."""
    if not _NUMBER.match(text.strip()):
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


@lru_cache(maxsize=4096)
def instant(text: str) -> datetime | None:
    """A W3C ISO 8601 date or date-time, or epoch seconds, as an aware UTC datetime.

    A date without a time is midnight UTC; a date-time without a time zone is not a W3C
    date-time and is not read.
    """
    text = text.strip()
    if _EPOCH.match(text):
        return datetime.fromtimestamp(float(text), UTC)
    partial = _YEAR_MONTH.match(text)
    if partial:
        return datetime(int(partial.group(1)), int(partial.group(2) or 1), 1, tzinfo=UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        if "T" in text or " " in text:
            return None
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@lru_cache(maxsize=4096)
def network(text: str) -> Network | None:
    """A CIDR block; an address without a prefix is the single address (/32, or /128)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def in_network(text: str, block: Network) -> bool | None:
    """Whether the address ``text`` lies in ``block``; an address of the other IP version
    does not; None when ``text`` is not an address."""
    address = _address(text)
    if address is None:
        return None
    return address.version == block.version and address in block


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None
