"""Service control policies as constructs: packed guardrails for a target, and the quarantine."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from airlock.constructs.guardrails.budget import PackedPolicy, ScpQuota, Statement, pack
from airlock.constructs.guardrails.catalogue import QUARANTINE, GuardrailContext

#: Organizations allows policy names of up to 128 characters and descriptions of up to 512.
MAX_POLICY_NAME = 128
MAX_POLICY_DESCRIPTION = 512


def _description(target_name: str, number: int, count: int, sids: Sequence[str]) -> str:
    head = f"saas-airlock guardrails for {target_name} ({number} of {count}): "
    text = head + ", ".join(sids)
    if len(text) > MAX_POLICY_DESCRIPTION:
        text = head + f"{len(sids)} statements, see the policy content"
    return text


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
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        target_id: str,
        target_name: str,
        statements: Sequence[Statement],
        quota: ScpQuota | None = None,
        reserved: Mapping[str, int] | None = None,
        name_prefix: str = "airlock-",
        labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not target_name or len(name_prefix + target_name) + 4 > MAX_POLICY_NAME:
            raise ValueError(
                f"target_name '{target_name}' makes policy names longer than {MAX_POLICY_NAME} characters; "
                "use a shorter target name"
            )
        self.target_name = target_name
        self.packed: list[PackedPolicy] = pack(
            target_name,
            statements,
            quota=quota or ScpQuota(),
            reserved={"FullAWSAccess": 1} if reserved is None else reserved,
            labels=labels,
        )
        self.policies: list[organizations.CfnPolicy] = []
        count = len(self.packed)
        for number, packed in enumerate(self.packed, start=1):
            self.policies.append(
                organizations.CfnPolicy(
                    self,
                    f"Policy{number}",
                    name=f"{name_prefix}{target_name}-{number}",
                    type="SERVICE_CONTROL_POLICY",
                    description=_description(target_name, number, count, packed.sids),
                    content=packed.document,
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
        name: str = "airlock-quarantine",
    ) -> None:
        super().__init__(scope, id)
        context = GuardrailContext(deployment_role_pattern=deployment_role_pattern, break_glass_role=break_glass_role)
        (statement,) = QUARANTINE.statements(context)
        self.statement = statement
        self.policy = organizations.CfnPolicy(
            self,
            "Resource",
            name=name,
            type="SERVICE_CONTROL_POLICY",
            description="saas-airlock kill switch: denies every action except to the break-glass and deployment roles",
            content={"Version": "2012-10-17", "Statement": [statement]},
            target_ids=list(target_ids) or None,
        )
