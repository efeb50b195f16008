"""Vendor webhooks: a vendor that can only push delivers over public HTTPS into a buffer.

Each webhook is an API Gateway REST API (regional, TLS 1.2) behind a WAF web ACL that admits
only the vendor's published source ranges; its one method validates the request (required
headers, an optional JSON body schema) and hands the body to SQS ``SendMessage`` through a
role that may send to that one queue. Cross-field checks (the buffer exists and is a
standard queue, the names fit) are in :mod:`airlock.spec.webhook_checks`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import Name

#: The most ranges a webhook admits: the API's resource policy lists them all, and API Gateway
#: allows resource policies of at most 8,192 bytes (about 20 bytes per range).
MAX_SOURCE_RANGES = 100
#: The broadest range a webhook admits; a vendor's published egress ranges are far narrower.
MIN_SOURCE_PREFIX = 8
#: SQS allows at most 10 message attributes; every required header becomes one.
MAX_REQUIRED_HEADERS = 10
#: Largest body schema, as compact JSON (API Gateway keeps models small; 16 KiB is ample).
MAX_BODY_SCHEMA_BYTES = 16 * 1024
_HEADER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
_PATH_PART = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def webhook_api_name(integration: str, webhook: str) -> str:
    """``airlock-<integration>-<webhook>``: the REST API's name, and the stem of its web ACL's names."""
    return f"airlock-{integration}-{webhook}"


def _source_range(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(
            f"{value!r} is not a CIDR; write the vendor's published IPv4 range in quotes, e.g. '192.0.2.0/24'"
        )
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        if "has host bits set" not in str(exc):
            raise ValueError(
                f"'{value}' is not a valid CIDR; write the vendor's published range as a network block, "
                "e.g. '192.30.252.0/22'"
            ) from None
        fixed = ipaddress.ip_network(value, strict=False)
        raise ValueError(f"'{value}' has host bits set; write the network address: '{fixed}'") from None
    if network.version == 6:
        raise ValueError(
            f"'{value}' is an IPv6 range, and the webhook's regional endpoint answers over IPv4 only; list the "
            "vendor's IPv4 ranges (IPv6 deliveries cannot reach the endpoint)"
        )
    if network.prefixlen == 0:
        raise ValueError(
            f"'{value}' admits the whole internet; list only the vendor's published source ranges, e.g. "
            "'192.30.252.0/22'"
        )
    if network.prefixlen < MIN_SOURCE_PREFIX:
        raise ValueError(
            f"'{value}' (/{network.prefixlen}) is broader than any vendor's published range; list the vendor's "
            f"own ranges, each /{MIN_SOURCE_PREFIX} or narrower"
        )
    if not network.is_global:
        raise ValueError(
            f"'{value}' is not a public range (private, shared, reserved or documentation space), so no vendor "
            "delivers from it over the internet; list the vendor's published public ranges"
        )
    return str(network)


def _header(value: Any) -> str:
    if not isinstance(value, str) or not _HEADER.match(value):
        raise ValueError(
            f"{value!r} is not an HTTP header name airlock can require; use letters, digits and '-' "
            "(at most 63 characters), e.g. 'X-Hub-Signature-256'"
        )
    return value


SourceRange = Annotated[str, BeforeValidator(_source_range)]
HeaderName = Annotated[str, BeforeValidator(_header)]


class WebhookThrottle(SpecModel):
    """Stage throttling: what the endpoint accepts per second before it answers 429."""

    rate_limit: int = Field(default=10, ge=1, le=10000, description="Steady-state requests per second.")
    burst_limit: int = Field(default=20, ge=1, le=5000, description="Requests accepted at once above the rate.")


class Webhook(SpecModel):
    """A public HTTPS endpoint the vendor pushes to; each accepted request becomes a message on a buffer."""

    name: Name = Field(
        description="Webhook name, unique within the integration (the stack output is <name>WebhookUrl)."
    )
    buffer: Name = Field(description="Standard buffer of the integration that receives each delivery as a message.")
    source_ranges: list[SourceRange] = Field(
        min_length=1,
        max_length=MAX_SOURCE_RANGES,
        description="The vendor's published public IPv4 source ranges; the WAF web ACL and the API's resource "
        "policy admit these alone (0.0.0.0/0, private and IPv6 ranges are refused).",
    )
    path: str = Field(
        default="hooks",
        description="Path of the endpoint below the stage, one or more segments of lowercase letters, digits "
        "and '-' separated by '/', e.g. 'github' or 'hooks/github'.",
    )
    required_headers: list[HeaderName] = Field(
        default_factory=list,
        max_length=MAX_REQUIRED_HEADERS,
        description="Headers every delivery must carry (API Gateway answers 400 without them); each is passed "
        "on as a message attribute, e.g. the signature header a consumer verifies.",
    )
    body_schema: dict[str, Any] | None = Field(
        default=None,
        description="JSON Schema (draft 4, API Gateway's model language) the JSON body must match; API Gateway "
        "answers 400 to a body that does not. Default: any JSON body.",
    )
    throttle: WebhookThrottle = Field(default_factory=WebhookThrottle, description="Stage throttling.")

    @field_validator("source_ranges")
    @classmethod
    def _unique_ranges(cls, value: list[str]) -> list[str]:
        networks = [ipaddress.ip_network(v) for v in value]
        for position, network in enumerate(networks):
            for other in networks[:position]:
                if network.overlaps(other):
                    raise ValueError(
                        f"'{network}' overlaps '{other}'; list each of the vendor's ranges once (keep the broader one)"
                    )
        return value

    @field_validator("path")
    @classmethod
    def _path_shape(cls, value: str) -> str:
        parts = value.split("/")
        if not all(_PATH_PART.match(part) for part in parts) or len(parts) > 5:
            raise ValueError(
                f"'{value}' is not a webhook path; write 1-5 segments of lowercase letters, digits and '-' separated "
                "by '/', without a leading or trailing '/', e.g. 'hooks/github'"
            )
        return value

    @field_validator("required_headers")
    @classmethod
    def _unique_headers(cls, value: list[str]) -> list[str]:
        lowered = [v.lower() for v in value]
        for position, header in enumerate(lowered):
            if header in lowered[:position]:
                raise ValueError(
                    f"'{value[position]}' is listed twice (header names are case-insensitive); list each header once"
                )
        return value

    @field_validator("body_schema")
    @classmethod
    def _schema_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return value
        if "type" not in value and "$ref" not in value:
            raise ValueError(
                "the body schema names no 'type'; write a JSON Schema (draft 4), "
                "e.g. {type: object, required: [action]}"
            )
        declared = value.get("$schema")
        if declared is not None and "draft-04" not in str(declared):
            raise ValueError(
                f"$schema '{declared}' is not draft 4, the only JSON Schema API Gateway models use; "
                "write 'http://json-schema.org/draft-04/schema#' or leave $schema out"
            )
        size = len(json.dumps(value, separators=(",", ":")))
        if size > MAX_BODY_SCHEMA_BYTES:
            raise ValueError(
                f"the body schema is {size} bytes, over {MAX_BODY_SCHEMA_BYTES}; validate only the fields the "
                "consumer relies on"
            )
        return value
