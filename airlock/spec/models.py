"""The spec model: what a platform team declares, frozen after validation.

Every model forbids unknown keys, so a misspelled key is an error rather than a silently
ignored setting. Field-level checks live here; checks across fields and integrations live
in :mod:`airlock.spec.checks` so that all of them are reported at once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from airlock.spec.access import AccessSettings, Prefix, VendorAccess
from airlock.spec.base import SpecModel
from airlock.spec.compliance import Compliance
from airlock.spec.core_access import CoreConsumer, CoreProducer
from airlock.spec.events import PartnerEventSource, VendorNotification
from airlock.spec.network import MIN_SUBNET_PREFIX as MIN_SUBNET_PREFIX
from airlock.spec.network import Network
from airlock.spec.observability import Observability, OrganizationObservability
from airlock.spec.organization import (
    AccountSync,
    Bootstrap,
    IntegrationGuardrails,
    OrganizationGuardrails,
    OrganizationLayout,
    SubOu,
)
from airlock.spec.perimeter import IntegrationPerimeter, OrganizationPerimeter
from airlock.spec.pipeline import Pipeline
from airlock.spec.register import Budget, DataFlow, Review
from airlock.spec.types import (
    NAME_SHAPE,
    AccountId,
    Email,
    Name,
    OrganizationId,
    ParentId,
    Region,
)
from airlock.spec.vendors import SharedVendor
from airlock.spec.webhooks import Webhook

DataClassification = Literal["public", "internal", "confidential", "restricted"]
IntegrationState = Literal["active", "suspended"]


class Organization(SpecModel):
    """The management-account side: where the dedicated OU lives and who may deploy."""

    management_account_id: AccountId = Field(description="Account id of the organization's management account.")
    home_region: Region = Field(description="Region of the organization stack and of region-independent resources.")
    allowed_regions: list[Region] = Field(min_length=1, description="Regions integrations may use.")
    organization_id: OrganizationId | None = Field(
        default=None,
        description="The AWS Organization's id (o-...); VPC endpoint policies admit only its principals.",
    )
    parent_id: ParentId = Field(description="Root id (r-...) or OU id (ou-...) under which the dedicated OU is made.")
    ou_name: str = Field(
        default="saas-integrations",
        min_length=1,
        max_length=128,
        description="Name of the dedicated OU that holds every intermediate account.",
    )
    pipeline: Pipeline | None = Field(default=None, description="Deploy through a CDK Pipelines pipeline (optional).")
    deployment_role_pattern: str = Field(
        default="arn:aws:iam::*:role/cdk-hnb659fds-*",
        description="IAM role ARN pattern of the roles that deploy airlock stacks; guardrails exempt it.",
    )
    break_glass_role: str = Field(
        default="arn:aws:iam::*:role/airlock-break-glass",
        description="IAM role ARN pattern of the break-glass role; guardrails exempt it.",
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Tags applied to every airlock resource.")
    access: AccessSettings = Field(default_factory=AccessSettings, description="Settings of vendor and core access.")
    vendors: list[SharedVendor] = Field(
        default_factory=list,
        description="Vendors with one external ID for all of the organisation's integrations with them "
        "(declared once here, required by every integration whose vendor.name matches).",
    )
    compliance: Compliance = Field(
        default_factory=Compliance, description="Compliance packs that check every synthesis."
    )
    ous: list[SubOu] = Field(default_factory=list, description="OUs below the dedicated OU (depth at most 5).")
    guardrails: OrganizationGuardrails = Field(default_factory=OrganizationGuardrails, description="SCP guardrails.")
    perimeter: OrganizationPerimeter = Field(
        default_factory=OrganizationPerimeter,
        description="Resource control policies around every intermediate account (docs/guardrails.md).",
    )
    bootstrap: Bootstrap = Field(default_factory=Bootstrap, description="CDK bootstrap of new accounts.")
    account_sync: AccountSync = Field(default_factory=AccountSync, description="Settings of `airlock accounts sync`.")
    observability: OrganizationObservability = Field(
        default_factory=OrganizationObservability,
        description="Alarm subscribers of integrations that name none of their own.",
    )
    layout: OrganizationLayout = Field(
        default_factory=OrganizationLayout, description="How the management account's resources are split into stacks."
    )


class Vendor(SpecModel):
    """The SaaS provider."""

    name: str = Field(min_length=1, max_length=128, description="The vendor's display name.")
    account_ids: list[AccountId] = Field(
        default_factory=list,
        description="AWS accounts the vendor operates from (for roles, PrivateLink, exposed APIs and its own "
        "queues); required with an access block, vendor endpoints or exposed APIs. A vendor that only pushes "
        "webhooks or only publishes through an EventBridge partner event source has none.",
    )


class AccountCreate(SpecModel):
    name: str = Field(min_length=1, max_length=50, description="Name of the account to create.")
    email: Email = Field(description="Root email of the account to create; must be unique in AWS.")


class Account(SpecModel):
    """The intermediate account: created by the organization stack, or adopted by id."""

    create: AccountCreate | None = Field(default=None, description="Create a new account with this name and email.")
    adopt: AccountId | None = Field(default=None, description="Use an existing account with this id.")

    @model_validator(mode="after")
    def _exactly_one(self) -> Account:
        if (self.create is None) == (self.adopt is None):
            raise ValueError(
                "give exactly one of 'create' (name and email of a new account) or 'adopt' (an existing account id)"
            )
        return self


class Buffer(SpecModel):
    """An SQS buffer between the SaaS side and the core consumers."""

    name: Name = Field(description="Buffer name, unique within the integration (e.g. 'inbound').")
    fifo: bool = Field(default=False, description="FIFO queues (ordered, exactly-once) instead of standard queues.")
    max_receive_count: int = Field(
        default=5, ge=1, le=1000, description="Receives before a message moves to the dead-letter queue."
    )
    consumer_timeout_seconds: int = Field(
        default=30, ge=1, le=7200, description="Longest time a consumer takes per message; visibility is 6x this."
    )
    retention_seconds: int = Field(
        default=4 * 24 * 3600, ge=60, le=14 * 24 * 3600, description="Retention of the source queue."
    )
    dlq_retention_seconds: int = Field(
        default=14 * 24 * 3600, ge=60, le=14 * 24 * 3600, description="Retention of the dead-letter queue."
    )
    visibility_timeout_seconds: int | None = Field(
        default=None,
        ge=0,
        le=12 * 3600,
        description="Visibility timeout of the source queue; at least 6x consumer_timeout_seconds, at most "
        "43200. Default: exactly 6x consumer_timeout_seconds.",
    )

    @field_validator("name", mode="before")
    @classmethod
    def _no_fifo_suffix(cls, value: object) -> object:
        if isinstance(value, str) and value.endswith(".fifo"):
            stem = value.removesuffix(".fifo")
            fix = f"write the name without it ('{stem}')" if NAME_SHAPE.match(stem) else "leave it out"
            raise ValueError(
                f"'{value}' ends in '.fifo'; {fix} and set fifo: true, airlock appends '.fifo' to both queue "
                "names (a name has 2-32 lowercase letters, digits and '-', starting with a letter)"
            )
        return value

    @property
    def visibility_timeout(self) -> int:
        """The source queue's visibility timeout in seconds."""
        if self.visibility_timeout_seconds is not None:
            return self.visibility_timeout_seconds
        return 6 * self.consumer_timeout_seconds


class DropZone(SpecModel):
    """An S3 drop zone for file integrations: each vendor writes under its own prefix."""

    prefixes: list[str] = Field(
        min_length=1,
        description="Key prefixes writers may use, each ending in '/', e.g. 'drop/payroll/'.",
    )
    notify_buffer: str | None = Field(
        default=None,
        description="Buffer that receives an event for each new object (asynchronous processing).",
    )
    notify_buffer_prefixes: list[Prefix] | None = Field(
        default=None,
        description="The prefixes whose new objects notify_buffer hears of. Default: every prefix. S3 refuses two "
        "notifications of overlapping prefixes, so leave out the prefixes a notify_vendor entry covers.",
    )
    notify_vendor: list[VendorNotification] = Field(
        default_factory=list,
        max_length=10,
        description="S3 event notifications (s3:ObjectCreated:*) to queues or topics in the vendor's own account, "
        "for vendors that watch the files (Snowflake's Snowpipe auto-ingest).",
    )
    expire_after_days: int = Field(default=30, ge=1, le=3650, description="Days after which objects expire.")
    noncurrent_expire_after_days: int = Field(
        default=7, ge=1, le=3650, description="Days after which overwritten versions expire."
    )

    @field_validator("prefixes")
    @classmethod
    def _prefix_shape(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not prefix.endswith("/") or prefix.startswith("/") or "//" in prefix or "*" in prefix:
                raise ValueError(
                    f"prefix '{prefix}' is not a key prefix; write it without wildcards or a leading '/', "
                    "ending in '/', e.g. 'drop/payroll/'"
                )
        if len(set(value)) != len(value):
            raise ValueError(f"prefixes {value} list a prefix twice; list each once")
        return value

    @property
    def buffer_prefixes(self) -> list[str]:
        """The prefixes whose new objects notify the buffer (none without a notify_buffer)."""
        if self.notify_buffer is None:
            return []
        return list(self.notify_buffer_prefixes if self.notify_buffer_prefixes is not None else self.prefixes)


class Integration(SpecModel):
    """One SaaS integration: one intermediate account, its network, access and buffers."""

    name: Name = Field(description="Short name of the integration, used in stack and resource names.")
    description: str = Field(default="", max_length=1024, description="What the integration is for.")
    owner: str = Field(min_length=1, max_length=128, description="Team that owns the integration.")
    contact: Email = Field(description="Email of the owning team.")
    state: IntegrationState = Field(default="active", description="'suspended' cuts the vendor off (kill switch).")
    data_classification: DataClassification = Field(description="Highest classification of data that passes.")
    cost_centre: str = Field(min_length=1, max_length=128, description="Cost centre for cost allocation (tagged).")
    vendor: Vendor = Field(description="The SaaS provider: its name and the AWS accounts it calls from.")
    account: Account = Field(description="The intermediate account: adopt an existing one or create one.")
    regions: list[Region] = Field(min_length=1, description="Regions to deploy the integration to.")
    network: Network | None = Field(
        default=None,
        description="The isolated VPC of the intermediate account and its filtering. Default: none, for an "
        "integration whose vendor only assumes a role or delivers events (no VPC, flow logs, DNS Firewall or "
        "rejected-traffic alarm that nothing would use).",
    )
    buffers: list[Buffer] = Field(default_factory=list, description="SQS buffers of the integration.")
    drop_zone: DropZone | None = Field(default=None, description="S3 drop zone for file integrations.")
    webhooks: list[Webhook] = Field(
        default_factory=list,
        description="Public HTTPS endpoints a vendor that can only push delivers to, each into a buffer, behind a "
        "WAF allow-list of the vendor's published source ranges.",
    )
    event_sources: list[PartnerEventSource] = Field(
        default_factory=list,
        max_length=20,
        description="EventBridge partner event sources the vendor created in the intermediate account, each "
        "delivered by a rule on its partner event bus to a buffer.",
    )
    access: VendorAccess | None = Field(default=None, description="The vendor's cross-account role and grants.")
    core_consumers: list[CoreConsumer] = Field(
        default_factory=list,
        description="Roles in core accounts that take what the vendor delivers: consume buffers, read and delete "
        "drop-zone files.",
    )
    core_producers: list[CoreProducer] = Field(
        default_factory=list,
        description="Roles in core accounts that hand data to the vendor: send to buffers, write drop-zone files.",
    )
    contract: str | None = Field(default=None, max_length=256, description="Reference of the vendor contract.")
    data_flows: list[DataFlow] = Field(default_factory=list, max_length=20, description="Data crossing the boundary.")
    review: Review | None = Field(default=None, description="Assessment dates; without it the review is overdue.")
    budget: Budget | None = Field(default=None, description="Monthly budget of the intermediate account.")
    ou: str | None = Field(
        default=None,
        description="Sub-OU (by name) a created account is placed in; adopted accounts stay where they are. "
        "Default: the dedicated OU.",
    )
    guardrails: IntegrationGuardrails = Field(
        default_factory=IntegrationGuardrails, description="SCP guardrails on the intermediate account."
    )
    perimeter: IntegrationPerimeter = Field(
        default_factory=IntegrationPerimeter,
        description="Declared exceptions to the account's resource control policies, each with a reason.",
    )
    observability: Observability = Field(
        default_factory=Observability, description="Alarm subscribers and thresholds of the integration."
    )

    @field_validator("owner")
    @classmethod
    def _owner_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("owner is blank; name the team that owns the integration")
        return value

    @field_validator("regions")
    @classmethod
    def _unique_regions(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"regions {value} list a region twice; list each region once")
        return value


class Spec(SpecModel):
    """A whole saas-airlock landing zone."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="saas-airlock spec",
    )

    version: Literal[1] = Field(default=1, description="Spec format version.")
    organization: Organization = Field(description="The management-account side: OU, guardrails, packs.")
    integrations: list[Integration] = Field(
        default_factory=list, description="The SaaS integrations, each in its own intermediate account."
    )

    def integration(self, name: str) -> Integration:
        for integration in self.integrations:
            if integration.name == name:
                return integration
        raise KeyError(name)
