"""Constrained scalar types of the spec.

Every validator raises ``ValueError`` with a message that names the bad value and the fix;
the loader prefixes it with the field path and the file line.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from airlock.spec.regions import KNOWN_REGIONS, is_az_id_shape, looks_like_az_name, region_of_az_id

_ACCOUNT_ID = re.compile(r"^\d{12}$")
NAME_SHAPE = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PARENT_ID = re.compile(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")


class WrittenInt(int):
    """A number YAML read from text that is not its decimal form: ``012345670123`` (octal in
    YAML 1.1), ``0x1F``, ``1_000``, ``1:30``. The loader keeps the text, so a message can
    quote the value as the user wrote it rather than as YAML changed it."""

    written: str

    def __new__(cls, value: int, written: str) -> WrittenInt:
        number = super().__new__(cls, value)
        number.written = written
        return number


def _account_id(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        written = getattr(value, "written", str(value))
        if _ACCOUNT_ID.match(written):
            changed = "" if written == str(value) else " and changes it (a leading 0 makes it octal)"
            raise ValueError(
                f"{written} is not quoted, so YAML reads it as a number{changed}; write the account id in "
                f"quotes exactly as written: '{written}'"
            )
        raise ValueError(
            f"{written} is a number, not an AWS account id; account ids have 12 digits: write the id in "
            "quotes exactly as the account shows it, leading zeros included (e.g. '012345678901')"
        )
    if not isinstance(value, str) or not _ACCOUNT_ID.match(value):
        shown = value if not isinstance(value, str) else f"'{value}'"
        length = f" ({len(value)} digits)" if isinstance(value, str) and value.isdigit() else ""
        raise ValueError(f"{shown}{length} is not an AWS account id; use exactly 12 digits in quotes")
    return value


def _region(value: Any) -> str:
    if not isinstance(value, str) or value not in KNOWN_REGIONS:
        raise ValueError(
            f"'{value}' is not a known AWS region; use a region code such as eu-central-1 "
            f"(known: {', '.join(KNOWN_REGIONS)})"
        )
    return value


def _name(value: Any) -> str:
    if not isinstance(value, str) or not NAME_SHAPE.match(value):
        raise ValueError(
            f"'{value}' is not a valid name; use 2-32 characters of lowercase letters, digits "
            "and '-', starting with a letter and not ending with '-'"
        )
    return value


def _email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value) or len(value) > 64:
        raise ValueError(f"'{value}' is not an email address; write it as name@example.com (at most 64 characters)")
    return value


def _cidr(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a CIDR; write an IPv4 block in quotes, e.g. '10.20.0.0/22'")
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        if "has host bits set" not in str(exc):
            raise ValueError(
                f"'{value}' is not a valid IPv4 CIDR; write it as a network block such as '10.20.0.0/22'"
            ) from None
        fixed = ipaddress.IPv4Network(value, strict=False)
        problem = _vpc_block_problem(value, fixed)  # no fix that would itself be refused
        raise ValueError(problem or f"'{value}' has host bits set; write the network address: '{fixed}'") from None
    problem = _vpc_block_problem(value, network)
    if problem:
        raise ValueError(problem)
    return str(network)


def _vpc_block_problem(value: str, network: ipaddress.IPv4Network) -> str | None:
    if not 16 <= network.prefixlen <= 28:
        return f"'{value}' has prefix /{network.prefixlen}; a VPC CIDR needs a prefix between /16 and /28"
    if not network.is_private:
        return f"'{value}' is not a private range; use a block from 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"
    return None


def _az_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an AZ ID; write AZ IDs such as 'euc1-az1'")
    if looks_like_az_name(value):
        raise ValueError(
            f"'{value}' is an AZ name, not an AZ ID; AZ names differ per account, so write the AZ ID "
            "(e.g. 'euc1-az1'; `aws ec2 describe-availability-zones` shows ZoneId beside ZoneName)"
        )
    if not is_az_id_shape(value) or region_of_az_id(value) is None:
        raise ValueError(f"'{value}' is not an AZ ID of a known region; write AZ IDs such as 'euc1-az1' or 'use1-az4'")
    return value


def _parent_id(value: Any) -> str:
    if not isinstance(value, str) or not _PARENT_ID.match(value):
        raise ValueError(
            f"'{value}' is not an organization root or OU id; use 'r-xxxx' for the root or 'ou-xxxx-xxxxxxxx' for an OU"
        )
    return value


AccountId = Annotated[str, BeforeValidator(_account_id)]
Region = Annotated[str, BeforeValidator(_region)]
Name = Annotated[str, BeforeValidator(_name)]
Email = Annotated[str, BeforeValidator(_email)]
Cidr = Annotated[str, BeforeValidator(_cidr)]
AzId = Annotated[str, BeforeValidator(_az_id)]
ParentId = Annotated[str, BeforeValidator(_parent_id)]

#: Retention values CloudWatch Logs accepts (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")


def _organization_id(value: Any) -> str:
    if not isinstance(value, str) or not _ORGANIZATION_ID.match(value):
        raise ValueError(
            f"{value!r} is not an AWS Organization id; write 'o-' and 10-32 lowercase letters or digits "
            "(`aws organizations describe-organization` shows it)"
        )
    return value


OrganizationId = Annotated[str, BeforeValidator(_organization_id)]
