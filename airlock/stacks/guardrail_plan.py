"""Which SCPs the organization stack attaches where: a pure plan from the spec.

The organization stack builds its ``AWS::Organizations::Policy`` resources from this plan,
and ``airlock verify`` expects exactly the same policies on the live targets
(:func:`airlock.verify.expectations_for`), so the two cannot drift apart. No CDK here: the
plan is plain data (policy names and JSON documents), computed from the spec with the
guardrail catalogue and the quota packer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airlock.constructs.guardrails import (
    QUARANTINE_POLICY_NAME,
    GuardrailContext,
    PackedPolicy,
    ScpBudgetError,
    ScpQuota,
    guardrail_policy_name,
    guardrail_statements,
    pack,
    quarantine_document,
    statement_owners,
)
from airlock.spec import Integration, Organization, SpecError, SpecIssue
from airlock.spec.errors import Loc
from airlock.spec.organization_checks import sub_ou, walk_ous


@dataclass(frozen=True)
class PlannedScp:
    """One SCP as Organizations stores it: its name and its document (plain JSON)."""

    name: str
    document: dict[str, Any]


@dataclass(frozen=True)
class TargetScps:
    """The packed guardrail SCPs of one target.

    :param target: the target's name in policy names: ``ou-<ou name>`` or
        ``integration-<integration name>``.
    :param ou_chain: for an OU, the OU names from the dedicated OU down to it (the dedicated
        OU alone for itself); empty for an account.
    :param integration: for an account, the integration's name; None for an OU.
    :param packed: the policies as packed within the quotas, in attachment order.
    :param externals: names of the SCPs attached outside airlock that the spec declares on
        this target (``guardrails.external_scps``).
    """

    target: str
    ou_chain: tuple[str, ...]
    integration: str | None
    packed: tuple[PackedPolicy, ...]
    externals: tuple[str, ...] = ()

    @property
    def policies(self) -> list[PlannedScp]:
        """The policies by name (``airlock-<target>-<n>``) with their documents."""
        return [
            PlannedScp(guardrail_policy_name(self.target, number), packed.document)
            for number, packed in enumerate(self.packed, start=1)
        ]


@dataclass(frozen=True)
class ScpPlan:
    """Every guardrail SCP target of a spec, and the quarantine SCP."""

    targets: tuple[TargetScps, ...]
    quarantine: PlannedScp

    def ous(self) -> dict[tuple[str, ...], TargetScps]:
        """OU targets by their chain from the dedicated OU."""
        return {t.ou_chain: t for t in self.targets if t.integration is None}

    def accounts(self) -> dict[str, TargetScps]:
        """Account targets by integration name."""
        return {t.integration: t for t in self.targets if t.integration is not None}


def has_egress(integration: Integration) -> bool:
    """Whether the integration declares filtered egress (an integration without a network has none)."""
    return integration.network is not None and integration.network.egress is not None


def guardrail_context(organization: Organization, *, filtered_egress: bool = False) -> GuardrailContext:
    """What the guardrail statements of a target depend on, from the spec."""
    return GuardrailContext(
        deployment_role_pattern=organization.deployment_role_pattern,
        break_glass_role=organization.break_glass_role,
        allowed_regions=tuple(organization.allowed_regions),
        filtered_egress=filtered_egress,
        control_tower=organization.guardrails.control_tower,
    )


def reserved_attachments(externals: Sequence[str], *, quarantine: bool = False) -> dict[str, int]:
    """The attachments besides airlock's guardrails that take a slot on a target.

    ``FullAWSAccess`` stays on every target (airlock's SCPs only deny). An account always
    keeps a slot for the quarantine SCP, so the kill switch can be thrown whatever the quota.
    """
    reserved = {"FullAWSAccess": 1}
    if externals:
        reserved[f"external SCPs ({', '.join(externals)})"] = len(externals)
    if quarantine:
        reserved[f"{QUARANTINE_POLICY_NAME} (kept free for the kill switch)"] = 1
    return reserved


def plan_scps(organization: Organization, integrations: Sequence[Integration]) -> ScpPlan:
    """The guardrail SCPs of every OU of the tree and every integration account, packed
    within the spec's quotas, and the quarantine SCP.

    A target without guardrails has no entry. Raises :class:`SpecError` with one issue per
    target whose guardrails do not fit the quotas.
    """
    org = organization
    settings = org.guardrails
    quota = ScpQuota(settings.quotas.max_policy_characters, settings.quotas.max_policies_per_target)
    labels = statement_owners(guardrail_context(org))
    issues: list[SpecIssue] = []
    targets: list[TargetScps] = []

    def add(
        target: str,
        chain: tuple[str, ...],
        integration: str | None,
        statements: Sequence[Mapping[str, Any]],
        externals: list[str],
        loc: Loc,
    ) -> None:
        reserved = reserved_attachments(externals, quarantine=integration is not None)
        try:
            packed = pack(target, statements, quota=quota, reserved=reserved, labels=labels)
        except ScpBudgetError as exc:
            issues.append(SpecIssue(loc, str(exc)))
            return
        targets.append(TargetScps(target, chain, integration, tuple(packed), tuple(externals)))

    for name, chain, loc in walk_ous(org):
        found = sub_ou(org, chain)
        names = found.guardrails if found is not None else settings.ou
        if names:
            externals = [e.name for e in settings.external_scps if name in e.ous]
            add(
                f"ou-{name}",
                chain,
                None,
                guardrail_statements(names, guardrail_context(org)),
                externals,
                (*loc, "guardrails") if found is not None else ("organization", "guardrails", "ou"),
            )
    for index, integration in enumerate(integrations):
        names = integration.guardrails.account
        if names:
            externals = [e.name for e in settings.external_scps if integration.name in e.integrations]
            # The stack deploys an internet gateway exactly when egress is declared.
            context = guardrail_context(org, filtered_egress=has_egress(integration))
            add(
                f"integration-{integration.name}",
                (),
                integration.name,
                guardrail_statements(names, context),
                externals,
                ("integrations", index, "guardrails", "account"),
            )
    if issues:
        raise SpecError(issues)
    quarantine = PlannedScp(
        QUARANTINE_POLICY_NAME,
        quarantine_document(deployment_role_pattern=org.deployment_role_pattern, break_glass_role=org.break_glass_role),
    )
    return ScpPlan(tuple(targets), quarantine)
