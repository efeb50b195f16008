"""Access to an integration: the vendor's cross-account role and its grants.

The vendor's access is declared in business terms (send to buffer ``inbound``, put objects
under ``drop/crm/``, read-only monitoring), never as IAM; the stacks turn each declaration into
the narrowest statements (the action lists are :mod:`airlock.grants`). Checks that need the
rest of the spec (the organisation's own accounts, the integration's buffers and drop-zone
prefixes, external IDs of other integrations) live in :mod:`airlock.spec.access_checks` and
:mod:`airlock.spec.external_ids`; the core roles are :mod:`airlock.spec.core_access`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, get_args

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
_USER_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{12}):user/(?P<name>[\w+=,.@/-]{1,512})$", re.ASCII)
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
    """The account id of a role or user ARN the spec accepted."""
    match = _ROLE_ARN.fullmatch(arn) or _USER_ARN.fullmatch(arn)
    if match is None:  # pragma: no cover - only called on validated ARNs
        raise ValueError(f"'{arn}' is not a role or user ARN")
    return match.group("account")


def is_user_arn(arn: str) -> bool:
    """Whether a principal ARN the spec accepted names an IAM user (else a role)."""
    return _USER_ARN.fullmatch(arn) is not None


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


def _principal_arn(value: Any, *, users: bool) -> str:
    what = "an IAM role or user ARN" if users else "an IAM role ARN"
    example = "'arn:aws:iam::123456789012:role/name'" + (" or ':user/name'" if users else "")
    if value == "*" or (isinstance(value, str) and ":iam::*" in value):
        raise ValueError(
            f"'{value}' trusts every AWS principal; name the vendor's IAM principals, "
            "e.g. 'arn:aws:iam::123456789012:role/vendor-uploader'"
        )
    if isinstance(value, str) and re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:root", value):
        raise ValueError(
            f"'{value}' is a whole account; name the vendor's role or user ARNs, or, if the vendor documents "
            "only its account, list it under 'whole_accounts' with the reason"
        )
    if not isinstance(value, str) or not (_ROLE_ARN.fullmatch(value) or (users and _USER_ARN.fullmatch(value))):
        accepted = "groups and wildcards are not accepted" if users else "users, groups and wildcards are not accepted"
        raise ValueError(f"{value!r} is not {what}; write it as {example} ({accepted})")
    return value


def _role_arn(value: Any) -> str:
    return _principal_arn(value, users=False)


def _vendor_principal(value: Any) -> str:
    return _principal_arn(value, users=True)


def _prefix(value: Any) -> str:
    if not isinstance(value, str) or (
        not value.endswith("/") or value.startswith("/") or "//" in value or "*" in value or "?" in value
    ):
        raise ValueError(
            f"{value!r} is not a key prefix; write a drop-zone prefix without wildcards or a leading '/', "
            "ending in '/', e.g. 'drop/payroll/'"
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
VendorPrincipalArn = Annotated[str, BeforeValidator(_vendor_principal)]
Prefix = Annotated[str, BeforeValidator(_prefix)]
PublicSourceCidr = Annotated[str, BeforeValidator(_public_source_cidr)]


GrantKind = Literal["send", "consume", "put_objects", "read_objects", "delete_objects", "monitoring"]
GRANT_KINDS: tuple[GrantKind, ...] = get_args(GrantKind)
#: Grant kinds whose target is a drop-zone prefix.
OBJECT_GRANTS: tuple[GrantKind, ...] = ("put_objects", "read_objects", "delete_objects")
ExternalIdIssuer = Literal["vendor", "organization"]


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
        description="Shortest external ID accepted from a vendor (an integration may lower it for a vendor whose "
        "IDs are shorter: access.external_id_min_length).",
    )


class Grant(SpecModel):
    """One thing the vendor may do, in business terms; give exactly one key (and ``acl`` with ``put_objects``)."""

    send: Name | None = Field(default=None, description="Buffer the vendor may send messages to.")
    consume: Name | None = Field(default=None, description="Buffer the vendor may receive and delete messages from.")
    put_objects: Prefix | None = Field(
        default=None, description="Drop-zone key prefix (ending in '/') under which the vendor may put objects."
    )
    read_objects: Prefix | None = Field(
        default=None,
        description="Drop-zone key prefix whose objects the vendor may read (s3:GetObject, s3:GetObjectVersion), "
        "list (s3:ListBucket for keys under it) and locate (s3:GetBucketLocation).",
    )
    delete_objects: Prefix | None = Field(
        default=None,
        description="Drop-zone key prefix whose objects the vendor may delete (s3:DeleteObject, "
        "s3:DeleteObjectVersion).",
    )
    monitoring: Literal["read-only"] | None = Field(
        default=None,
        description="Read-only monitoring of the intermediate account (CloudWatch metrics and alarms, tags, "
        "describe and list calls); the register lists its exact actions.",
    )
    acl: Literal["bucket-owner-full-control"] | None = Field(
        default=None,
        description="With put_objects: the canned ACL the vendor sends on every upload; the grant then requires "
        "it (s3:x-amz-acl) and adds s3:PutObjectAcl, which an upload with an ACL header needs.",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Grant:
        given = [kind for kind in GRANT_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a grant gives exactly one of {', '.join(repr(k) for k in GRANT_KINDS)}, got {given or 'none'}; "
                "write one grant per list item"
            )
        if self.acl is not None and given != ["put_objects"]:
            raise ValueError(
                f"'acl' belongs to a put_objects grant, not to {given[0]}; move it beside put_objects or remove it"
            )
        return self

    @property
    def kind(self) -> GrantKind:
        return next(kind for kind in GRANT_KINDS if getattr(self, kind) is not None)

    @property
    def target(self) -> str:
        """The buffer name, prefix or monitoring level the grant names."""
        return str(getattr(self, self.kind))


class WholeAccount(SpecModel):
    """A vendor account trusted as a whole: any principal that account allows may assume the role."""

    account_id: AccountId = Field(description="The vendor's AWS account id.")
    reason: str = Field(
        min_length=20,
        max_length=512,
        description="Why the vendor's principals cannot be named (e.g. 'the vendor's setup guide names only its "
        "account: <link>'); shown in the register with the trust.",
    )


class VendorAccess(SpecModel):
    """The vendor's cross-account role in the intermediate account."""

    external_id: ExternalId | None = Field(
        default=None,
        description="The external ID the vendor uses for this integration; AssumeRole without it is refused. "
        "Default: the ID declared once for the vendor in organization.vendors.",
    )
    external_id_issued_by: ExternalIdIssuer | None = Field(
        default=None,
        description="Who generated access.external_id: 'vendor' (the vendor issues it, unique per customer; the "
        "usual case) or 'organization' (the vendor asked you to choose it). Default: 'vendor'.",
    )
    external_id_min_length: int | None = Field(
        default=None,
        ge=EXTERNAL_ID_MIN,
        le=EXTERNAL_ID_MAX,
        description="Shortest external ID accepted for this integration, where the vendor's IDs are shorter than "
        "organization.access.external_id_min_length. Default: the organisation's minimum.",
    )
    principals: list[VendorPrincipalArn] = Field(
        default_factory=list,
        description="The vendor's IAM role or user ARNs that may assume the role; nothing else is trusted.",
    )
    whole_accounts: list[WholeAccount] = Field(
        default_factory=list,
        description="Vendor accounts trusted as a whole (any principal the account allows), each with the reason; "
        "only when the vendor documents its account and not its principals. The external ID is then the only "
        "guard against other customers of the vendor.",
    )
    self_assume: bool = Field(
        default=False,
        description="The role may assume itself (with the external ID), as some vendors require to validate a "
        "credential; chaining into any other role stays denied.",
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
    grants: list[Grant] = Field(default_factory=list, description="What the vendor may do (at least one grant).")

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "trust_accounts" in data:
            accounts = data["trust_accounts"]
            example = accounts[0] if isinstance(accounts, list) and accounts else "123456789012"
            raise ValueError(
                "'trust_accounts' is now 'whole_accounts', with a reason for each account: write "
                f"whole_accounts: [{{account_id: '{example}', reason: '<why the vendor cannot name its roles>'}}]"
            )
        return data

    @field_validator("max_session_seconds")
    @classmethod
    def _session(cls, value: int) -> int:
        if not SESSION_MIN <= value <= SESSION_MAX:
            raise ValueError(
                f"{value} seconds is outside what IAM accepts for a role's session; use "
                f"{SESSION_MIN}-{SESSION_MAX} (1 to 12 hours), preferably the default {SESSION_MIN}"
            )
        return value

    @field_validator("principals")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        duplicates = sorted({item for item in value if value.count(item) > 1})
        if duplicates:
            raise ValueError(f"{duplicates} listed twice; list each once")
        return value

    @field_validator("whole_accounts")
    @classmethod
    def _unique_accounts(cls, value: list[WholeAccount]) -> list[WholeAccount]:
        ids = [entry.account_id for entry in value]
        duplicates = sorted({item for item in ids if ids.count(item) > 1})
        if duplicates:
            raise ValueError(f"accounts {duplicates} listed twice; list each once")
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
    def _someone_trusted_to_do_something(self) -> VendorAccess:
        if not self.principals and not self.whole_accounts:
            raise ValueError(
                "no principal is trusted; name the vendor's role or user ARNs under 'principals' "
                "(or, only if the vendor documents just its account, the account under 'whole_accounts')"
            )
        if not self.grants:
            raise ValueError(
                "grants is empty: the vendor could assume the role and then do nothing; add what it needs "
                f"(one of {', '.join(GRANT_KINDS)}) or remove the access block"
            )
        return self

    @property
    def principal_accounts(self) -> list[str]:
        """Accounts of every trusted principal, in declaration order."""
        return [role_account(arn) for arn in self.principals] + [entry.account_id for entry in self.whole_accounts]

    @property
    def trusted_account_ids(self) -> list[str]:
        """The accounts trusted as a whole."""
        return [entry.account_id for entry in self.whole_accounts]

    def grants_of(self, kind: GrantKind) -> list[Grant]:
        return [grant for grant in self.grants if grant.kind == kind]
