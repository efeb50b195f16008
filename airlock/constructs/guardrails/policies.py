"""Service control policies as constructs: packed guardrails for a target, and the quarantine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from airlock.constructs.guardrails.budget import PackedPolicy, ScpQuota, Statement, pack
from airlock.constructs.guardrails.catalogue import QUARANTINE, GuardrailContext

#: Organizations allows policy names of up to 128 characters and descriptions of up to 512.
MAX_POLICY_NAME = 128
MAX_POLICY_DESCRIPTION = 512
#: Name of the quarantine SCP (the kill switch) by default.
QUARANTINE_POLICY_NAME = "airlock-quarantine"


def guardrail_policy_name(target_name: str, number: int, *, name_prefix: str = "airlock-") -> str:
    """The name of the ``number``-th (from 1) packed guardrail SCP of a target: ``airlock-<target>-<n>``."""
    return f"{name_prefix}{target_name}-{number}"


def quarantine_document(*, deployment_role_pattern: str, break_glass_role: str) -> dict[str, Any]:
    """The quarantine SCP's content: deny everything to everyone but the two exempt roles."""
    context = GuardrailContext(deployment_role_pattern=deployment_role_pattern, break_glass_role=break_glass_role)
    (statement,) = QUARANTINE.statements(context)
    return {"Version": "2012-10-17", "Statement": [statement]}


#: What a policy of each type is called in its description.
_WHAT = {"SERVICE_CONTROL_POLICY": "guardrails", "RESOURCE_CONTROL_POLICY": "resource perimeter"}


def _description(target_name: str, number: int, count: int, sids: Sequence[str], what: str = "guardrails") -> str:
    head = f"saas-airlock {what} for {target_name} ({number} of {count}): "
    text = head + ", ".join(sids)
    if len(text) > MAX_POLICY_DESCRIPTION:
        text = head + f"{len(sids)} statements, see the policy content"
    return text


def _default_reserved(policy_type: str) -> dict[str, int]:
    return {"RCPFullAWSAccess" if policy_type == "RESOURCE_CONTROL_POLICY" else "FullAWSAccess": 1}


class GuardrailPolicies(Construct):
    """The guardrail statements of one target (root, OU or account), as few SCPs as fit the quotas.

    Statements are packed by :func:`airlock.constructs.guardrails.budget.pack`: each policy
    stays within ``quota.max_policy_characters`` and the target within
    ``quota.max_policies_per_target`` after the attachments named in ``reserved``. Default
    ``quota``: the Organizations quotas (5,120 characters, 5 SCPs per target). Default
    ``reserved``: ``FullAWSAccess`` only, which every target keeps while airlock only denies.
    Raises ``ScpBudgetError`` in ``__init__`` when no packing fits. ``policies`` holds the
    ``AWS::Organizations::Policy`` resources, named ``<name_prefix><target_name>-<n>``.
    ``labels`` (statement id -> guardrail name) make the quota error name what to drop.

    ``packed`` takes policies the caller already packed with :func:`pack` (a planner that
    also needs the documents elsewhere, e.g. to verify them live) instead of ``statements``;
    ``statements``, ``quota``, ``reserved`` and ``labels`` are then left out. Default: the
    statements are packed here.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        target_id: str,
        target_name: str,
        statements: Sequence[Statement] = (),
        quota: ScpQuota | None = None,
        reserved: Mapping[str, int] | None = None,
        name_prefix: str = "airlock-",
        labels: Mapping[str, str] | None = None,
        packed: Sequence[PackedPolicy] | None = None,
        policy_type: str = "SERVICE_CONTROL_POLICY",
    ) -> None:
        super().__init__(scope, id)
        if policy_type not in _WHAT:
            raise ValueError(f"policy_type '{policy_type}' is not one of {sorted(_WHAT)}")
        if not target_name or len(name_prefix + target_name) + 4 > MAX_POLICY_NAME:
            raise ValueError(
                f"target_name '{target_name}' makes policy names longer than {MAX_POLICY_NAME} characters; "
                "use a shorter target name"
            )
        if packed is not None and (statements or quota or reserved is not None or labels):
            raise ValueError(
                f"packed is given for target '{target_name}' together with statements, quota, reserved or labels; "
                "give either packed policies or the statements to pack"
            )
        self.target_name = target_name
        self.packed: list[PackedPolicy] = (
            list(packed)
            if packed is not None
            else pack(
                target_name,
                statements,
                quota=quota or ScpQuota(),
                reserved=_default_reserved(policy_type) if reserved is None else reserved,
                labels=labels,
                kind="RCP" if policy_type == "RESOURCE_CONTROL_POLICY" else "SCP",
            )
        )
        self.policies: list[organizations.CfnPolicy] = []
        count = len(self.packed)
        for number, packed_policy in enumerate(self.packed, start=1):
            self.policies.append(
                organizations.CfnPolicy(
                    self,
                    f"Policy{number}",
                    name=guardrail_policy_name(target_name, number, name_prefix=name_prefix),
                    type=policy_type,
                    description=_description(target_name, number, count, packed_policy.sids, _WHAT[policy_type]),
                    content=packed_policy.document,
                    target_ids=[target_id],
                )
            )


class QuarantinePolicy(Construct):
    """The kill switch: an SCP that denies every action to everyone but the two exempt roles.

    The policy always exists, so suspending an integration is only an attachment change;
    ``target_ids`` are the accounts to quarantine now (default: none, the policy is detached).
    ``policy`` is the ``AWS::Organizations::Policy``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        deployment_role_pattern: str,
        break_glass_role: str,
        target_ids: Sequence[str] = (),
        name: str = QUARANTINE_POLICY_NAME,
    ) -> None:
        super().__init__(scope, id)
        document = quarantine_document(
            deployment_role_pattern=deployment_role_pattern, break_glass_role=break_glass_role
        )
        (self.statement,) = document["Statement"]
        self.policy = organizations.CfnPolicy(
            self,
            "Resource",
            name=name,
            type="SERVICE_CONTROL_POLICY",
            description="saas-airlock kill switch: denies every action except to the break-glass and deployment roles",
            content=document,
            target_ids=list(target_ids) or None,
        )
