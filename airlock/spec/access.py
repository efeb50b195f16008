"""Access to an integration: the vendor's cross-account role, and the core consumers.

The vendor's access is declared in business terms (send to buffer ``inbound``, put objects
under ``drop/crm/``), never as IAM; the stacks turn each declaration into the narrowest
statements. Checks that need the rest of the spec (the organisation's own accounts, the
integration's buffers and drop-zone prefixes, external IDs of other integrations) live in
:mod:`airlock.spec.access_checks`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import AccountId, Name

#: What AWS accepts as an external ID (``sts:AssumeRole`` ``ExternalId``).
EXTERNAL_ID_MIN, EXTERNAL_ID_MAX = 2, 1224
EXTERNAL_ID_PATTERN = re.compile(r"^[\w+=,.@:/-]+$", re.ASCII)
#: The project's default minimum length of an external ID (a setting: ``organization.access``).
DEFAULT_EXTERNAL_ID_MIN_LENGTH = 16
#: Bounds of an IAM role's ``MaxSessionDuration``, in seconds.
SESSION_MIN, SESSION_MAX = 3600, 43200

_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{12}):role/(?P<name>[\w+=,.@/-]{1,512})$", re.ASCII)
#: Ranges a vendor's public egress can never come from.
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "0.0.0.0/8",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$", re.ASCII)
_TAG_KEY = re.compile(r"^[\w+=.@:/-]{1,128}$", re.ASCII)
_TAG_VALUE = re.compile(r"^[\w+=.@:/ -]{0,256}$", re.ASCII)


def role_account(arn: str) -> str:
    """The account id of a role ARN the spec accepted."""
    match = _ROLE_ARN.fullmatch(arn)
    if match is None:  # pragma: no cover - only called on validated ARNs
        raise ValueError(f"'{arn}' is not a role ARN")
    return match.group("account")


def _external_id(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not an external ID; write the ID the vendor issued to you as a quoted string")
    if not EXTERNAL_ID_MIN <= len(value) <= EXTERNAL_ID_MAX or not EXTERNAL_ID_PATTERN.fullmatch(value):
        bad = sorted({c for c in value if not EXTERNAL_ID_PATTERN.fullmatch(c)})
        detail = f"characters {bad} are not allowed" if bad else f"{len(value)} characters"
        raise ValueError(
            f"external ID ({detail}) is not one AWS accepts; it needs {EXTERNAL_ID_MIN}-{EXTERNAL_ID_MAX} "
            "characters of letters, digits and +=,.@:/-_ ; ask the vendor for the ID it issued for you"
        )
    return value


def _role_arn(value: Any) -> str:
    if value == "*" or (isinstance(value, str) and ":iam::*" in value):
        raise ValueError(
            f"'{value}' trusts every AWS principal; name the vendor's IAM role ARNs, "
            "e.g. 'arn:aws:iam::123456789012:role/vendor-uploader'"
        )
    if isinstance(value, str) and re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:root", value):
        raise ValueError(
            f"'{value}' is a whole account; name the vendor's role ARNs, or list the account under "
            "'trust_accounts' if the vendor really cannot name its roles"
        )
    if not isinstance(value, str) or not _ROLE_ARN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an IAM role ARN; write it as 'arn:aws:iam::123456789012:role/name' "
            "(users, groups and wildcards are not accepted)"
        )
    return value


def _public_source_cidr(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a CIDR; write an address block in quotes, e.g. '203.0.113.0/24'")
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            fixed = ipaddress.ip_network(value, strict=False)
            raise ValueError(f"'{value}' has host bits set; write the network address: '{fixed}'") from None
        raise ValueError(f"'{value}' is not an IP address block; write it such as '203.0.113.0/24'") from None
    if network.prefixlen == 0:
        raise ValueError(f"'{value}' is every address; name the vendor's egress ranges instead")
    if any(network.overlaps(inner) for inner in _NOT_PUBLIC if inner.version == network.version):
        raise ValueError(
            f"'{value}' is a private, loopback or link-local range; aws:SourceIp sees the vendor's public "
            "egress addresses, so ask the vendor for those"
        )
    return str(network)


ExternalId = Annotated[str, BeforeValidator(_external_id)]
RoleArn = Annotated[str, BeforeValidator(_role_arn)]
PublicSourceCidr = Annotated[str, BeforeValidator(_public_source_cidr)]

GrantKind = Literal["send", "consume", "put_objects"]


class AccessSettings(SpecModel):
    """Organisation-wide settings for vendor and core-consumer access."""

    core_account_ids: list[AccountId] = Field(
        default_factory=list,
        description="The organisation's core accounts: they may consume from buffers and may never be trusted "
        "as a vendor.",
    )
    external_id_min_length: int = Field(
        default=DEFAULT_EXTERNAL_ID_MIN_LENGTH,
        ge=EXTERNAL_ID_MIN,
        le=EXTERNAL_ID_MAX,
        description="Shortest external ID accepted from a vendor.",
    )


class Grant(SpecModel):
    """One thing the vendor may do, in business terms; give exactly one key."""

    send: Name | None = Field(default=None, description="Buffer the vendor may send messages to.")
    consume: Name | None = Field(default=None, description="Buffer the vendor may receive and delete messages from.")
    put_objects: str | None = Field(
        default=None, description="Drop-zone key prefix (ending in '/') under which the vendor may put objects."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Grant:
        given = [kind for kind in ("send", "consume", "put_objects") if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a grant gives exactly one of 'send' (a buffer), 'consume' (a buffer) or 'put_objects' "
                f"(a drop-zone prefix), got {given or 'none'}; write one grant per list item"
            )
        return self

    @field_validator("put_objects")
    @classmethod
    def _prefix_shape(cls, value: str | None) -> str | None:
        if value is not None and (
            not value.endswith("/") or value.startswith("/") or "//" in value or "*" in value or "?" in value
        ):
            raise ValueError(
                f"'{value}' is not a key prefix; write a drop-zone prefix without wildcards or a leading '/', "
                "ending in '/', e.g. 'drop/payroll/'"
            )
        return value

    @property
    def kind(self) -> GrantKind:
        if self.send is not None:
            return "send"
        if self.consume is not None:
            return "consume"
        return "put_objects"

    @property
    def target(self) -> str:
        """The buffer name or prefix the grant names."""
        return str(getattr(self, self.kind))


class VendorAccess(SpecModel):
    """The vendor's cross-account role in the intermediate account."""

    external_id: ExternalId = Field(
        description="The external ID the vendor issued for this customer (the vendor generates it, unique "
        "per customer); AssumeRole without it is refused."
    )
    principals: list[RoleArn] = Field(
        default_factory=list,
        description="The vendor's IAM role ARNs that may assume the role; nothing else is trusted.",
    )
    trust_accounts: list[AccountId] = Field(
        default_factory=list,
        description="Vendor accounts trusted as a whole (any principal the vendor's account allows); only when "
        "the vendor cannot name its roles.",
    )
    source_ips: list[PublicSourceCidr] = Field(
        default_factory=list,
        description="Public egress ranges of the vendor; when given, AssumeRole from elsewhere is refused.",
    )
    session_tags: dict[str, str] = Field(
        default_factory=dict,
        description="Session tags the vendor must pass on AssumeRole, with their required values "
        "(allows sts:TagSession for exactly these keys).",
    )
    max_session_seconds: int = Field(
        default=SESSION_MIN,
        description=f"Longest session the role grants, {SESSION_MIN}-{SESSION_MAX} seconds.",
    )
    grants: list[Grant] = Field(default_factory=list, description="What the vendor may do.")

    @field_validator("max_session_seconds")
    @classmethod
    def _session(cls, value: int) -> int:
        if not SESSION_MIN <= value <= SESSION_MAX:
            raise ValueError(
                f"{value} seconds is outside what IAM accepts for a role's session; use "
                f"{SESSION_MIN}-{SESSION_MAX} (1 to 12 hours), preferably the default {SESSION_MIN}"
            )
        return value

    @field_validator("principals", "trust_accounts")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        duplicates = sorted({item for item in value if value.count(item) > 1})
        if duplicates:
            raise ValueError(f"{duplicates} listed twice; list each once")
        return value

    @field_validator("session_tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        for key, tag in value.items():
            if not _TAG_KEY.fullmatch(key) or key.lower().startswith("aws:"):
                raise ValueError(
                    f"session tag key '{key}' is not one STS accepts; use 1-128 letters, digits and +=.@:/-_ "
                    "not starting with 'aws:'"
                )
            if not isinstance(tag, str) or not _TAG_VALUE.fullmatch(tag):
                raise ValueError(
                    f"session tag '{key}' has value {tag!r}; use up to 256 letters, digits, spaces and +=.@:/-_"
                )
        return value

    @model_validator(mode="after")
    def _someone_trusted(self) -> VendorAccess:
        if not self.principals and not self.trust_accounts:
            raise ValueError(
                "no principal is trusted; name the vendor's role ARNs under 'principals' "
                "(or, only if it cannot name them, its accounts under 'trust_accounts')"
            )
        return self

    @property
    def principal_accounts(self) -> list[str]:
        """Accounts of every trusted principal, in declaration order."""
        return [role_account(arn) for arn in self.principals] + list(self.trust_accounts)


class CoreConsumer(SpecModel):
    """A role in one of the organisation's core accounts that consumes from buffers."""

    role: RoleArn = Field(description="Role ARN in a core account, e.g. 'arn:aws:iam::300000000001:role/processor'.")
    buffers: list[Name] = Field(min_length=1, description="Buffers this role may consume from.")
