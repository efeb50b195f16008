"""The integration register as data: one record per integration, and its JSON Schema.

The models here define ``integrations.json``; ``schema/airlock-register.schema.json`` is
generated from them (``airlock register --print-schema``) and a test keeps the two equal.
Sections that come from the synthesized templates (roles, endpoints, guardrails, filtering,
logging) are empty lists when the templates hold no such resources: never invented.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from airlock.register.reviews import ReviewStatus

REGISTER_VERSION: Literal[1] = 1
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VendorRecord(Record):
    name: str
    account_ids: list[str]


class AccountRecord(Record):
    id: str | None = Field(description="Account id; null while a created account's id is not yet known.")
    provisioning: Literal["adopted", "created"]
    name: str | None = Field(default=None, description="Name of a created account.")


class StackRecord(Record):
    name: str
    account: str
    region: str
    resources: int


class ResourceRecord(Record):
    """A resource of the synthesized templates."""

    type: str = Field(description="CloudFormation resource type.")
    name: str | None = Field(description="Physical name where the template sets one literally.")
    path: str = Field(description="Construct path within the stack.")
    stack: str
    logical_id: str = Field(description="Logical id of the resource in its template.")
    purpose: str | None = Field(
        default=None,
        description="What the resource is for, from the spec field that produced it ('buffer crm-events: queue'); "
        "null for resources no spec field made.",
    )


class RoleRecord(ResourceRecord):
    trusted_principals: list[str] = Field(description="Principals of the trust policy (services, accounts, ARNs).")
    trust_condition_keys: list[str] = Field(description="Condition keys of the trust policy, e.g. sts:ExternalId.")
    max_session_seconds: int | None
    permissions_boundary: bool


class EndpointRecord(ResourceRecord):
    service: str | None = Field(description="Service name of an endpoint; null for an endpoint service.")
    endpoint_type: str | None


class VendorResourcesRecord(Record):
    account_id: str = Field(description="A vendor-owned account whose resources the service endpoints admit.")
    services: list[str] = Field(description="The service endpoints that admit it (network.vendor_resources).")
    reason: str


class GuardrailRecord(ResourceRecord):
    policy_type: str | None
    description: str | None
    attached_to: str = Field(
        description="What the policy is attached to: 'account <id>', 'OU <name>' (the dedicated OU, or the "
        "sub-OU a created account sits in), or 'nothing (attached on demand)'."
    )


class NetworkRuleRecord(Record):
    """A security group rule: who may reach what, or where traffic may go."""

    purpose: str | None = Field(description="What the security group guards, from the spec field that produced it.")
    direction: Literal["ingress", "egress"]
    protocol: str
    ports: str = Field(description="Port or port range ('443', '1024-2048', 'all').")
    ranges: list[str] = Field(description="Source (ingress) or destination (egress) CIDR ranges or group ids.")
    logical_id: str
    stack: str


class DomainRuleRecord(Record):
    """Domains a resolver or egress firewall allows."""

    purpose: str | None
    kind: Literal["dns", "egress"] = Field(
        description="'dns': Route 53 Resolver DNS Firewall allow-list; 'egress': Network Firewall TLS SNI / HTTP "
        "Host allow-list."
    )
    domains: list[str]
    cname_targets: Literal["inspected", "trusted"] | None = Field(
        default=None,
        description="DNS rules: 'inspected' (INSPECT_REDIRECTION_DOMAIN) when every name a CNAME leads to must be "
        "on an allow-list itself, 'trusted' (TRUST_REDIRECTION_DOMAIN) when the first name decides; null for "
        "egress allow-lists.",
    )
    logical_id: str
    stack: str


class HandBackRecord(Record):
    """A stack output to hand to the vendor after deployment."""

    output: str = Field(description="Output key in the stack (aws cloudformation describe-stacks).")
    what: str = Field(description="What the value is and what the vendor does with it.")
    stack: str
    region: str
    value: str | None = Field(
        default=None,
        description="The value's shape where AWS assigns part of it at deployment (a webhook's URL); null where "
        "the output is all there is to read.",
    )


class PerimeterExceptionRecord(Record):
    subject: str = Field(description="The trusted account id or the excluded resource ARN.")
    kind: Literal["trusted_account", "excluded_resource"]
    reason: str


class PerimeterRecord(Record):
    """The data perimeter of the intermediate account (docs/guardrails.md, "Data perimeter")."""

    resource_control_policies: bool = Field(description="Whether the account carries airlock's RCPs.")
    ec2_declarative_policy: bool = Field(description="Whether the dedicated OU carries the EC2 declarative policy.")
    tag_policy: bool = Field(description="Whether the dedicated OU carries the tag policy of the airlock:* tags.")
    opt_out_reason: str | None = Field(
        description="Why the organization runs without RCPs, the EC2 declarative policy or the tag policy, when "
        "it opts out."
    )
    trusted_accounts: list[str] = Field(description="Accounts besides the organisation's that the RCP admits.")
    exceptions: list[PerimeterExceptionRecord] = Field(description="Declared exceptions, each with its reason.")


class BufferRecord(Record):
    name: str
    fifo: bool
    queue_name: str
    dead_letter_queue_name: str
    max_receive_count: int
    consumer_timeout_seconds: int
    retention_seconds: int
    dlq_retention_seconds: int


class VendorNotificationRecord(Record):
    arn: str = Field(
        description="The vendor's own SQS queue or SNS topic that S3 notifies (its policy is the vendor's)."
    )
    prefixes: list[str]


class DropZoneRecord(Record):
    prefixes: list[str]
    notify_buffer: str | None
    notify_buffer_prefixes: list[str] = Field(default_factory=list, description="The prefixes notify_buffer hears of.")
    notify_vendor: list[VendorNotificationRecord] = Field(
        default_factory=list, description="S3 event notifications to the vendor's own queues and topics."
    )
    expire_after_days: int


class WebhookRecord(Record):
    """A public HTTPS endpoint the vendor pushes to, and the allow-list in front of it."""

    name: str
    buffer: str = Field(description="Buffer each admitted delivery becomes a message on.")
    api_name: str = Field(description="Name of the REST API (its web ACL is <api_name>-acl).")
    path: str = Field(description="Resource path of the POST method below the stage.")
    stage: str
    source_ranges: list[str] = Field(description="The allow-list: the WAF IP set and the resource policy admit these.")
    managed_rule_groups: list[str] = Field(description="AWS managed rule groups evaluated before the allow-list.")
    required_headers: list[str] = Field(description="Headers API Gateway requires; each becomes a message attribute.")
    body_schema: bool = Field(description="Whether the JSON body is validated against a declared schema.")
    rate_limit: int
    burst_limit: int
    suspended: bool = Field(description="The kill switch is on: the web ACL allows nothing.")


class EventSourceRecord(Record):
    name: str = Field(description="The EventBridge partner event source, and the name of its partner event bus.")
    region: str | None
    buffer: str
    rule_name: str
    event_pattern: dict[str, Any] = Field(description="The rule's event pattern.")


class DataFlowRecord(Record):
    name: str
    direction: Literal["inbound", "outbound", "bidirectional"]
    classification: Literal["public", "internal", "confidential", "restricted"]
    description: str
    via: Literal["privatelink", "role", "drop-zone", "webhook", "event-source"]
    buffer: str | None
    consumers: list[str]


class PrincipalRecord(Record):
    principal: str = Field(description="A role or user ARN, or an account trusted as a whole (arn:...:root).")
    kind: Literal["role", "user", "account"]
    reason: str | None = Field(default=None, description="Why an account is trusted as a whole (reviewed choice).")


class ExternalIdRecord(Record):
    """How the vendor role's external ID is governed (the ID itself is never written)."""

    issued_by: Literal["vendor", "organization"]
    declared_in: str = Field(description="'access', or the organization.vendors entry that declares it once.")
    length: int
    min_length: int = Field(description="The shortest ID accepted for this integration.")
    shared_with: list[str] = Field(description="Other integrations whose vendor roles require the same ID.")


class GrantRecord(Record):
    """One grant and the exact IAM actions it allows."""

    kind: str
    target: str = Field(description="The buffer, drop-zone prefix or monitoring level the grant names.")
    actions: list[str] = Field(description="Actions on the resource (and, for files, on the bucket).")
    key_actions: list[str] = Field(description="Actions on the resource's KMS key, through the service only.")
    scope: str = Field(description="What the actions apply to.")
    requires: dict[str, str] = Field(description="Request values every call of the grant must carry.")


class CoreAccessRecord(GrantRecord):
    role: str = Field(description="The core-account role the grant is for.")


class AccessRecord(Record):
    """The vendor's cross-account role."""

    principals: list[PrincipalRecord]
    self_assume: bool = Field(description="The role may assume itself (with the external ID).")
    external_id: ExternalIdRecord | None
    source_ips: list[str]
    session_tags: dict[str, str]
    max_session_seconds: int
    grants: list[GrantRecord]


class ReviewRecord(Record):
    status: ReviewStatus
    last_assessed: date | None
    interval: str | None
    next_review: date | None
    days_left: int | None = Field(description="Days until the next review; negative when overdue.")


class BudgetRecord(Record):
    name: str
    amount: float
    currency: str
    thresholds_percent: list[float]
    notify: list[str]
    region: str = Field(description="Region of the stack that holds the budget (the integration's home region).")


class AppRegistryRecord(Record):
    application: str
    attribute_group: str
    regions: list[str] = Field(description="Regions with the application (one per stack region).")


class ImpactRecord(Record):
    """What the loss of an AZ or a region breaks."""

    regions: list[str]
    home_region: str
    az_ids: dict[str, list[str]] = Field(description="AZ IDs per region.")
    az_loss: list[str]
    region_loss: list[str]


class ComplianceRecord(Record):
    status: Literal["passed", "failed", "not-synthesized"]
    packs: list[str] = Field(description="Compliance packs that reported findings or acknowledgements.")
    findings: list[str] = Field(description="Unacknowledged findings: 'rule at construct path'.")
    acknowledged: int


class AccessEntryRecord(Record):
    action: str
    resource: str
    via: str = Field(description="'direct', or the AWS service that calls KMS for the principal (sqs, s3, ...).")
    context: str = Field(
        default="",
        description="The request value the access depends on, e.g. 's3:prefix=drop/x/' or "
        "'s3:x-amz-acl=bucket-owner-full-control'; empty when none.",
    )


class EffectiveAccessRecord(Record):
    """What one vendor principal can do in the intermediate account, as the access proof computed it."""

    principal: str
    equal_to_grants: bool = Field(description="The proof found exactly what the grants declare, nothing more.")
    allowed: list[AccessEntryRecord]


class IntegrationRecord(Record):
    name: str
    description: str
    state: Literal["active", "suspended"]
    owner: str
    contact: str
    cost_centre: str
    contract: str | None
    data_classification: Literal["public", "internal", "confidential", "restricted"]
    vendor: VendorRecord
    account: AccountRecord
    regions: list[str]
    home_region: str
    az_ids: dict[str, list[str]]
    network_cidr: str | None = Field(description="CIDR of the integration's VPC; null when it has no network.")
    stacks: list[StackRecord]
    endpoints: list[EndpointRecord]
    vendor_resources: list[VendorResourcesRecord] = Field(
        default_factory=list,
        description="Vendor accounts the AWS service endpoints admit besides the intermediate account, each with "
        "its services and reason.",
    )
    roles: list[RoleRecord]
    buffers: list[BufferRecord]
    drop_zone: DropZoneRecord | None
    event_sources: list[EventSourceRecord] = Field(
        default_factory=list, description="EventBridge partner event sources delivered to buffers."
    )
    access: AccessRecord | None = Field(description="The vendor's role: principals, external ID, exact grants.")
    core_access: list[CoreAccessRecord] = Field(description="What each core consumer and producer may do.")
    data_flows: list[DataFlowRecord]
    webhooks: list[WebhookRecord] = Field(
        default_factory=list, description="Webhook endpoints the vendor pushes to, with their allow-lists."
    )
    guardrails: list[GuardrailRecord]
    perimeter: PerimeterRecord
    filtering: list[ResourceRecord]
    network_rules: list[NetworkRuleRecord] = Field(
        default_factory=list, description="Security group rules of the integration's stacks."
    )
    allowed_domains: list[DomainRuleRecord] = Field(
        default_factory=list, description="DNS and egress domain allow-lists of the integration's stacks."
    )
    hand_back: list[HandBackRecord] = Field(
        default_factory=list,
        description="Stack outputs to hand to the vendor after deployment: the vendor role's ARN, vendor endpoint "
        "ids (for the vendor to accept the connection), endpoint-service names of exposed APIs.",
    )
    logging: list[ResourceRecord]
    resilience: list[ResourceRecord]
    budget: BudgetRecord | None
    appregistry: AppRegistryRecord
    review: ReviewRecord
    deployment_impact: ImpactRecord
    compliance: ComplianceRecord
    effective_access: list[EffectiveAccessRecord] | None = Field(
        default=None,
        description="Each vendor principal's effective access, exhaustively computed from the templates by the "
        "access proof; null when the register was built without a cloud assembly.",
    )


class Register(Record):
    """``integrations.json``: the register of every integration of one spec."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="saas-airlock integration register")

    register_version: Literal[1] = REGISTER_VERSION
    as_of: date | None = Field(
        default=None, description="Date the review status was judged against, when it was given explicitly."
    )
    integrations: list[IntegrationRecord]

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def register_schema() -> dict[str, Any]:
    return {"$schema": SCHEMA_DIALECT, **Register.model_json_schema()}


def register_schema_text() -> str:
    return json.dumps(register_schema(), indent=2, sort_keys=True) + "\n"
