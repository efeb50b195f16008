"""Which stack holds what: stack names, the account stacks and the deployment order.

Pure functions of the spec (and the account lock): no CDK here, so that the synthesis
planner (:mod:`airlock.assembly`) can split a landing zone into independently synthesized
units without starting a jsii kernel, and the stacks and the planner cannot disagree.

The management account's resources are split so that no stack nears CloudFormation's
limits at a thousand integrations:

* ``airlock-organization``: the OU tree, the OU guardrails, the quarantine SCP, the bootstrap
  StackSet, and the accounts of ``organization.layout.kept_in_organization_stack`` (deployed
  there before the split; they stay, so no account is ever replaced);
* ``airlock-organization-accounts-NN`` (NN from 01 to ``organization.layout.account_stacks``):
  the created accounts and the account guardrails of the integrations hashed into it.

The hash is a jump consistent hash of the integration's name: adding or removing an
integration never moves another one, and raising the number of account stacks from N to M
moves only the integrations whose stack number becomes N+1..M.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from airlock.spec import AccountLock, Integration, Organization, Spec

ORGANIZATION_STACK = "airlock-organization"
ACCOUNT_STACK_PREFIX = "airlock-organization-accounts-"


def integration_stack_name(integration: Integration, region: str) -> str:
    return f"airlock-{integration.name}-{region}"


def integration_unit(name: str) -> str:
    """The name of the synthesis unit of an integration's stacks (``integration:<name>``);
    the organization layer's units are named after their stacks."""
    return f"integration:{name}"


def account_stack_name(number: int) -> str:
    """``airlock-organization-accounts-NN`` for ``number`` from 1."""
    return f"{ACCOUNT_STACK_PREFIX}{number:02d}"


def jump_hash(key: int, buckets: int) -> int:
    """Lamping and Veach's jump consistent hash: a bucket in ``range(buckets)`` for ``key``.

    Going from ``n`` to ``n + 1`` buckets moves a key only into the new bucket, and only
    about ``1 / (n + 1)`` of the keys.
    """
    if buckets < 1:
        raise ValueError(f"buckets {buckets} must be at least 1")
    bucket, next_bucket = -1, 0
    while next_bucket < buckets:
        bucket = next_bucket
        key = (key * 2862933555777941757 + 1) & 0xFFFFFFFFFFFFFFFF
        next_bucket = int((bucket + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return bucket


def account_stack_number(name: str, count: int) -> int:
    """The account stack (from 1) that holds integration ``name`` among ``count`` stacks."""
    key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return jump_hash(key, count) + 1


@dataclass(frozen=True)
class OrganizationLayoutPlan:
    """Where each integration's account and account guardrails go, and the stack order."""

    #: Integrations kept in ``airlock-organization`` (in spec order).
    kept: tuple[Integration, ...]
    #: Non-empty account stacks by name (sorted), with their integrations in spec order.
    account_stacks: dict[str, tuple[Integration, ...]]
    _stack_of: dict[str, str] = field(default_factory=dict)

    def stack_of(self, integration: Integration | str) -> str:
        """The stack that holds an integration's account (if created) and its account guardrails."""
        name = integration if isinstance(integration, str) else integration.name
        return self._stack_of[name]

    def organization_stacks(self) -> list[str]:
        return [ORGANIZATION_STACK, *self.account_stacks]

    def account_stack_dependencies(self, stack: str) -> list[str]:
        """An account stack comes after the organization stack and after the previous account
        stack: Organizations creates accounts one after the other, so they are deployed in turn."""
        names = list(self.account_stacks)
        position = names.index(stack)
        return [ORGANIZATION_STACK, *names[position - 1 : position][:1]] if position else [ORGANIZATION_STACK]

    def integration_dependencies(self, integration: Integration) -> list[str]:
        """An integration's stacks come after its OU (organization stack) and its account and guardrails."""
        return list(dict.fromkeys([ORGANIZATION_STACK, self.stack_of(integration)]))


def plan_layout(organization: Organization, integrations: Sequence[Integration]) -> OrganizationLayoutPlan:
    """Place every integration: kept in the organization stack, or hashed into an account stack."""
    layout = organization.layout
    kept_names = set(layout.kept_in_organization_stack)
    kept: list[Integration] = []
    groups: dict[str, list[Integration]] = {}
    stack_of: dict[str, str] = {}
    for integration in integrations:
        if integration.name in kept_names:
            kept.append(integration)
            stack_of[integration.name] = ORGANIZATION_STACK
            continue
        name = account_stack_name(account_stack_number(integration.name, layout.account_stacks))
        groups.setdefault(name, []).append(integration)
        stack_of[integration.name] = name
    return OrganizationLayoutPlan(
        kept=tuple(kept),
        account_stacks={name: tuple(groups[name]) for name in sorted(groups)},
        _stack_of=stack_of,
    )


def skipped_integrations(spec: Spec, lock: AccountLock) -> list[tuple[str, str]]:
    """Integrations whose stacks synthesis leaves out (created account not yet recorded), with the next step."""
    return [
        (
            integration.name,
            f"account id of '{integration.name}' is not known yet: deploy {ORGANIZATION_STACK} and its account "
            "stacks, then run `airlock accounts sync <spec>` to record the new account's id in the lock file "
            "beside the spec",
        )
        for integration in spec.integrations
        if lock.account_id(integration) is None
    ]
