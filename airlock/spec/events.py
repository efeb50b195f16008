"""Event delivery from a vendor: EventBridge partner event sources, and drop-zone events sent to a
vendor's own queue or topic.

A SaaS that publishes through Amazon EventBridge (Salesforce Event Relay, for one) creates a
*partner event source* named ``aws.partner/<partner>/...`` in the customer's account; the
customer associates it with a partner event bus of the same name, and a rule on that bus
delivers the events to a buffer. A SaaS that watches the customer's files (Snowflake's
Snowpipe auto-ingest) asks instead for S3 event notifications sent to a queue or topic in the
vendor's own account. Cross-field checks are in :mod:`airlock.spec.events_checks`.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator

from airlock.spec.access import Prefix
from airlock.spec.base import SpecModel
from airlock.spec.types import Name, Region

#: What EventBridge accepts as a partner event source name (CreatePartnerEventSource ``Name``:
#: ``aws\.partner(/[\.\-_A-Za-z0-9]+){2,}``, 1-256 characters,
#: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_CreatePartnerEventSource.html).
PARTNER_SOURCE_NAME = re.compile(r"^aws\.partner(/[.\-_A-Za-z0-9]+){2,}$")
MAX_PARTNER_SOURCE_NAME = 256
PARTNER_SOURCE_EXAMPLE = "aws.partner/salesforce.com/00Dxx0000001gEREAY/0YLxx0000000001GAA"
#: The top-level fields of an EventBridge event a pattern may match
#: (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html).
EVENT_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")
_NOTIFICATION_ARN = re.compile(r"^arn:(aws[a-z-]*):(sqs|sns):([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})$")


def partner_source_fix(value: str) -> str:
    """A valid partner event source name close to ``value`` (else the documented example shape)."""
    candidate = value.strip().strip("/")
    if not candidate.startswith("aws.partner/"):
        candidate = "aws.partner/" + candidate.removeprefix("aws.partner").lstrip("/")
    candidate = re.sub(r"[^/.\-_A-Za-z0-9]", "", candidate)
    candidate = re.sub(r"/{2,}", "/", candidate)
    if PARTNER_SOURCE_NAME.match(candidate) and len(candidate) <= MAX_PARTNER_SOURCE_NAME:
        return candidate
    return PARTNER_SOURCE_EXAMPLE


def _pattern_values(path: str, value: Any) -> None:
    """Every leaf of an event pattern is a non-empty list (EventBridge matches a field against a list
    of values or filters, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html)."""
    if isinstance(value, dict):
        if not value:
            raise ValueError(f"event_pattern '{path}' is an empty object; give the fields to match or leave it out")
        for key, inner in value.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"event_pattern '{path}' has a key {key!r}; keys are field names")
            _pattern_values(f"{path}.{key}", inner)
        return
    if not isinstance(value, list) or not value:
        shown = value if not isinstance(value, str) else f"'{value}'"
        raise ValueError(
            f"event_pattern '{path}' is {shown}; EventBridge matches a field against a list, so write it as "
            f"a list of the values to match, e.g. [{shown}]"
        )


class PartnerEventSource(SpecModel):
    """An EventBridge partner event source the vendor created in the intermediate account, delivered to a buffer."""

    name: str = Field(
        description="The partner event source's name exactly as the vendor shows it, e.g. "
        f"'{PARTNER_SOURCE_EXAMPLE}' (Salesforce Event Relay); the partner event bus gets the same name."
    )
    buffer: Name = Field(description="The buffer (a standard one) that receives every event the rule matches.")
    region: Region | None = Field(
        default=None,
        description="Region the vendor created the source in; one of the integration's regions. Default: the "
        "integration's region (required when it has several).",
    )
    event_pattern: dict[str, Any] | None = Field(
        default=None,
        description="Further fields the rule matches (e.g. {'detail-type': ['OrderEvent__e']}); 'source' is always "
        "the partner event source. Default: every event of the source.",
    )

    @field_validator("name", mode="before")
    @classmethod
    def _name_shape(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(
                f"{value!r} is not a partner event source name; write it as text, e.g. '{PARTNER_SOURCE_EXAMPLE}'"
            )
        if len(value) > MAX_PARTNER_SOURCE_NAME or not PARTNER_SOURCE_NAME.match(value):
            raise ValueError(
                f"'{value}' is not a partner event source name (aws.partner/<partner>/<name>..., 256 characters "
                f"at most, of letters, digits and '/._-'); write it as the vendor shows it, e.g. "
                f"'{partner_source_fix(value)}'"
            )
        return value

    @field_validator("event_pattern")
    @classmethod
    def _pattern_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("event_pattern is empty; leave it out to deliver every event of the source")
        for key, inner in value.items():
            if key == "source":
                raise ValueError(
                    "event_pattern names 'source'; the rule always matches source = the partner event source "
                    "(its events carry its name as their source), so leave 'source' out"
                )
            if key not in EVENT_FIELDS:
                close = next((f for f in EVENT_FIELDS if f.replace("-", "_") == key or f.replace("-", "") == key), None)
                fix = f"'{close}'" if close else "one of " + ", ".join(f"'{f}'" for f in EVENT_FIELDS if f != "source")
                raise ValueError(f"event_pattern field '{key}' is not a field of an EventBridge event; use {fix}")
            if key == "detail" and not isinstance(inner, dict):
                raise ValueError(
                    "event_pattern 'detail' must be an object of the detail fields to match, e.g. "
                    "{detail: {Status__c: [Shipped]}}"
                )
            _pattern_values(key, inner)
        return value

    def pattern(self) -> dict[str, Any]:
        """The rule's event pattern: the source, and the declared fields."""
        return {"source": [self.name], **(self.event_pattern or {})}


class VendorNotification(SpecModel):
    """S3 event notifications of the drop zone to a queue or topic in the vendor's own account."""

    arn: str = Field(
        description="ARN of the vendor's SQS queue or SNS topic (standard, not FIFO), in one of vendor.account_ids "
        "and in the bucket's region, e.g. Snowflake's notification_channel."
    )
    prefixes: list[Prefix] = Field(
        min_length=1,
        description="Drop-zone prefixes (or prefixes under them) whose new objects the vendor is notified of.",
    )

    @field_validator("arn")
    @classmethod
    def _arn_shape(cls, value: str) -> str:
        found = _NOTIFICATION_ARN.match(value)
        if found is None:
            raise ValueError(
                f"'{value}' is not an SQS queue or SNS topic ARN; copy it as the vendor shows it, e.g. "
                "'arn:aws:sqs:eu-central-1:920000000012:sf-snowpipe-AIDAEXAMPLE-abc123'"
            )
        if found.group(5).endswith(".fifo"):
            kind = "queue" if found.group(2) == "sqs" else "topic"
            raise ValueError(
                f"'{value}' is a FIFO {kind}, and S3 event notifications cannot target FIFO queues or topics; ask "
                f"the vendor for a standard {kind} (its ARN does not end in '.fifo')"
            )
        return value

    @field_validator("prefixes")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"prefixes {value} list a prefix twice; list each once")
        return value

    @property
    def service(self) -> str:
        """``sqs`` or ``sns``."""
        return self.arn.split(":")[2]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]
