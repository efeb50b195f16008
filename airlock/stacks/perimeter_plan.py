"""Which RCPs the organization stacks attach where: a pure plan from the spec.

Like :mod:`airlock.stacks.guardrail_plan` for the SCPs: the stacks build their
``AWS::Organizations::Policy`` resources of type ``RESOURCE_CONTROL_POLICY`` from this plan
and ``airlock verify`` expects the same documents. Each intermediate account gets the
data-perimeter statements (:mod:`airlock.constructs.guardrails.perimeter`), packed within the
RCP quotas with a slot kept for ``RCPFullAWSAccess`` and one for the quarantine RCP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from airlock.constructs.guardrails import PackedPolicy, ScpBudgetError, ScpQuota, guardrail_policy_name, pack
from airlock.constructs.guardrails.declarative import (
    EC2_POLICY_NAME,
    TAG_POLICY_NAME,
    ec2_declarative_document,
    tag_policy_document,
)
from airlock.constructs.guardrails.perimeter import (
    QUARANTINE_RCP_NAME,
    perimeter_statements,
    quarantine_rcp_document,
)
from airlock.spec import Integration, Organization, SpecError, SpecIssue
from airlock.stacks.guardrail_plan import PlannedScp, has_egress
from airlock.stacks.tags import TAG_POLICY_KEYS, TAG_POLICY_VALUES

#: RCP names: ``airlock-rcp-integration-<name>-<n>``.
RCP_NAME_PREFIX = "airlock-rcp-"
#: What each statement belongs to, for messages on what to drop.
_LABELS = {
    "AirlockPerimeterIdentities": "identity perimeter",
    "AirlockPerimeterServices": "service perimeter",
    "AirlockPerimeterSecureTransport": "TLS",
}


@dataclass(frozen=True)
class TargetRcps:
    """The packed RCPs of one intermediate account (``target``: ``integration-<name>``)."""

    target: str
    integration: str
    packed: tuple[PackedPolicy, ...]
    trusted_accounts: tuple[str, ...]

    @property
    def policies(self) -> list[PlannedScp]:
        return [
            PlannedScp(guardrail_policy_name(self.target, number, name_prefix=RCP_NAME_PREFIX), packed.document)
            for number, packed in enumerate(self.packed, start=1)
        ]


@dataclass(frozen=True)
class RcpPlan:
    """Every account's RCPs and the quarantine RCP; empty when the spec opts out."""

    targets: tuple[TargetRcps, ...]
    quarantine: PlannedScp | None

    def accounts(self) -> dict[str, TargetRcps]:
        return {t.integration: t for t in self.targets}


def trusted_accounts(integration: Integration) -> list[str]:
    """The accounts besides the organisation's whose principals reach the integration's resources."""
    declared = [entry.account_id for entry in integration.perimeter.trusted_accounts]
    return sorted({*integration.vendor.account_ids, *declared})


def plan_rcps(organization: Organization, integrations: Sequence[Integration]) -> RcpPlan:
    """The RCPs of every integration account in ``integrations``, packed within the spec's RCP quotas.

    Raises :class:`SpecError` with one issue per account whose RCPs do not fit.
    """
    org = organization
    settings = org.perimeter
    if not settings.resource_control_policies or org.organization_id is None:
        return RcpPlan((), None)
    quota = ScpQuota(settings.quotas.max_policy_characters, settings.quotas.max_policies_per_target)
    reserved = {"RCPFullAWSAccess": 1, f"{QUARANTINE_RCP_NAME} (kept free for the kill switch)": 1}
    issues: list[SpecIssue] = []
    targets: list[TargetRcps] = []
    for index, integration in enumerate(integrations):
        trusted = trusted_accounts(integration)
        statements = perimeter_statements(
            org.organization_id,
            trusted,
            excluded_resources=[entry.arn for entry in integration.perimeter.excluded_resources],
        )
        target = f"integration-{integration.name}"
        try:
            packed = pack(target, statements, quota=quota, reserved=reserved, labels=_LABELS, kind="RCP")
        except ScpBudgetError as exc:
            issues.append(
                SpecIssue(("integrations", index, "perimeter"), f"{exc} (quotas: organization.perimeter.quotas)")
            )
            continue
        targets.append(TargetRcps(target, integration.name, tuple(packed), tuple(trusted)))
    if issues:
        raise SpecError(issues)
    quarantine = PlannedScp(
        QUARANTINE_RCP_NAME,
        quarantine_rcp_document(
            deployment_role_pattern=org.deployment_role_pattern, break_glass_role=org.break_glass_role
        ),
    )
    return RcpPlan(tuple(targets), quarantine)


@dataclass(frozen=True)
class OuPolicy:
    """A management policy the organization stack attaches to the dedicated OU."""

    type: str
    name: str
    description: str
    document: dict[str, Any]


def plan_ou_policies(organization: Organization, integrations: Sequence[Integration]) -> tuple[OuPolicy, ...]:
    """The EC2 declarative policy and the tag policy of the dedicated OU, each unless the spec
    opts out of it (``organization.perimeter``). The organization stack attaches exactly these,
    and ``airlock verify`` expects them (AV-EC2-1, AV-TAG-1)."""
    policies: list[OuPolicy] = []
    if organization.perimeter.ec2_declarative_policy:
        policies.append(
            OuPolicy(
                "DECLARATIVE_POLICY_EC2",
                EC2_POLICY_NAME,
                "saas-airlock EC2 baseline: VPC Block Public Access bidirectional, IMDSv2 required, "
                "no public AMI or snapshot sharing, serial console off",
                ec2_declarative_document(exclusions_allowed=any(has_egress(i) for i in integrations)),
            )
        )
    if organization.perimeter.tag_policy:
        policies.append(
            OuPolicy(
                "TAG_POLICY",
                TAG_POLICY_NAME,
                "saas-airlock mandatory tags: the airlock:* keys and the data classifications",
                tag_policy_document(TAG_POLICY_KEYS, TAG_POLICY_VALUES),
            )
        )
    return tuple(policies)
