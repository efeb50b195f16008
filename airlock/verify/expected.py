"""Expected state that the spec alone does not spell out, handed to the checks as plain data.

Some checks compare the live state with what a builder generates from the spec: the SCP
guardrails and the quarantine SCP (organization layer), the vendor role (access layer), the
endpoints and their security groups (network layer). Those checks take their expectation
from an :class:`Expectations` object instead of re-deriving it, so there is one source of
truth: the builder that also feeds the synthesized templates.

:func:`expectations_for` is the single place that connects builders to the verifier. A
check whose expectation is absent (an empty mapping, ``None``) reports nothing: it is not
a pass, the report simply has no row for it, and ``docs/verify.md`` lists which checks run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from airlock.spec import AccountLock, Integration, Organization, Spec
from airlock.spec.vendors import external_id_of

#: Target key of the dedicated OU in :attr:`Expectations.scps` (its id is only known live).
#: No integration name, OU, root or account id contains a ``:``.
DEDICATED_OU = "ou:"


def sub_ou_key(path: Sequence[str]) -> str:
    """Target key of a sub-OU in :attr:`Expectations.scps`: the OU names from below the
    dedicated OU down to it (``ou:restricted/payroll-prod``); found live by name."""
    return DEDICATED_OU + "/".join(path)


@dataclass(frozen=True)
class ExpectedPolicy:
    """A policy by name and document (a dict or its JSON text)."""

    name: str
    document: Mapping[str, Any] | str

    def parsed(self) -> dict[str, Any]:
        return json.loads(self.document) if isinstance(self.document, str) else dict(self.document)


@dataclass(frozen=True)
class ExpectedVendorRole:
    """What the vendor role of one integration must look like.

    :param role_name: physical name of the role in the intermediate account.
    :param principals: the only principals its trust may name: account ids or principal ARNs.
    :param external_id: the value ``sts:ExternalId`` must equal; ``None`` only requires the
        condition to be present.
    :param permissions_boundary_arn: the boundary the role must carry.
    :param max_session_duration: the role's maximum session duration, in seconds.
    :param managed_policy_arns: the only managed policies attached to it.
    :param inline_policy_names: the only inline policies it has.

    A boundary or managed policy whose name CloudFormation generates is not known before
    deployment: give the logical id of its ``AWS::IAM::ManagedPolicy`` in the integration
    stack (of the integration's first region) instead of an ARN, and the check resolves it
    through the stack's resources.
    """

    role_name: str
    principals: frozenset[str]
    external_id: str | None = None
    permissions_boundary_arn: str | None = None
    max_session_duration: int = 3600
    managed_policy_arns: frozenset[str] = frozenset()
    inline_policy_names: frozenset[str] = frozenset()
    #: The role may assume itself: its trust may name its own account, narrowed to the role's ARN.
    self_assume: bool = False
    #: Take the boundary and the managed policies from the deployed integration stack's
    #: template (the role's ``PermissionsBoundary`` and the ``AWS::IAM::ManagedPolicy``
    #: resources attached to it), for policies whose names CloudFormation generates.
    policies_from_stack: bool = False


@dataclass(frozen=True)
class ExpectedEndpoint:
    """An interface endpoint of an integration's VPC.

    :param service_name: e.g. ``com.amazonaws.vpce.eu-central-1.vpce-svc-0123`` or
        ``com.amazonaws.eu-central-1.sqs``.
    :param security_groups: its security groups, as ``sg-`` ids or logical ids of the
        integration stack (resolved through the stack's resources).
    :param security_groups_from_stack: take the security groups from the deployed
        integration stack's template instead (those of its ``AWS::EC2::VPCEndpoint`` for this
        service), for groups whose ids CloudFormation generates.
    """

    service_name: str
    security_groups: frozenset[str] = frozenset()
    security_groups_from_stack: bool = False
    #: ``Interface`` or ``Gateway``; None matches either (S3 has both under one service name).
    endpoint_type: str | None = None


@dataclass(frozen=True)
class Expectations:
    """Expected state from the builders, keyed by where it applies.

    :param scps: SCPs by target: :data:`DEDICATED_OU`, a sub-OU's :func:`sub_ou_key`, an
        integration name (its account), or a literal root, OU or account id. Each target
        must carry exactly these (by name, with a normalised document comparison) plus
        ``allowed_extra_scps``.
    :param allowed_extra_scps: SCP names tolerated on any target (AWS's ``FullAWSAccess``).
    :param external_scps: SCP names attached outside airlock that a target may carry too
        (the spec's ``guardrails.external_scps``), by the same keys as ``scps``.
    :param quarantine_scp: the SCP a suspended integration's account carries, and an active
        one does not.
    :param rcps: the data-perimeter RCPs of each integration's account, by integration name.
    :param allowed_extra_rcps: RCP names tolerated on any account (AWS's ``RCPFullAWSAccess``).
    :param quarantine_rcp: the RCP a suspended integration's account carries, and an active one
        does not (None when the spec opts out of RCPs).
    :param ou_policies: the management policies of the dedicated OU by policy type
        (``DECLARATIVE_POLICY_EC2``, ``TAG_POLICY``); a type the spec opts out of is absent.
    :param vendor_roles: the vendor role by integration name.
    :param endpoints: interface endpoints by ``(integration name, region)``.
    """

    scps: Mapping[str, Sequence[ExpectedPolicy]] = field(default_factory=dict)
    allowed_extra_scps: frozenset[str] = frozenset({"FullAWSAccess"})
    external_scps: Mapping[str, frozenset[str]] = field(default_factory=dict)
    quarantine_scp: ExpectedPolicy | None = None
    rcps: Mapping[str, Sequence[ExpectedPolicy]] = field(default_factory=dict)
    allowed_extra_rcps: frozenset[str] = frozenset({"RCPFullAWSAccess"})
    quarantine_rcp: ExpectedPolicy | None = None
    ou_policies: Mapping[str, Sequence[ExpectedPolicy]] = field(default_factory=dict)
    vendor_roles: Mapping[str, ExpectedVendorRole] = field(default_factory=dict)
    endpoints: Mapping[tuple[str, str], Sequence[ExpectedEndpoint]] = field(default_factory=dict)


class ExpectationProvider(Protocol):
    """Anything that turns a spec (and its account lock) into :class:`Expectations`."""

    def __call__(self, spec: Spec, lock: AccountLock) -> Expectations: ...


def vendor_role_name(integration: Integration) -> str:
    """Mirrors :func:`airlock.stacks.access.vendor_role_name` for the home region without
    importing the CDK; a test keeps them equal."""
    return f"airlock-{integration.name}-vendor"


def expected_vendor_role(
    integration: Integration, organization: Organization | None = None
) -> ExpectedVendorRole | None:
    """The vendor role the access builder makes for ``integration`` (None without access); the
    external ID is the integration's own or, with ``organization``, its vendor's shared one."""
    access = integration.access
    if access is None:
        return None
    inline = {"DenySensitiveActions"} | ({"Suspended"} if integration.state == "suspended" else set())
    return ExpectedVendorRole(
        role_name=vendor_role_name(integration),
        principals=frozenset([*access.principals, *access.trusted_account_ids]),
        external_id=external_id_of(organization, integration),
        self_assume=access.self_assume,
        max_session_duration=access.max_session_seconds,
        inline_policy_names=frozenset(inline),
        policies_from_stack=True,
    )


def expectations_for(spec: Spec, lock: AccountLock) -> Expectations:
    """The expectations the builders define, connected to the verifier.

    * the guardrail SCPs of every OU of the tree and every integration account (besides
      the external SCPs the spec declares there), and the quarantine SCP, from the plan the
      organization stack builds its policies from (:func:`airlock.stacks.guardrail_plan.plan_scps`);
    * the data-perimeter RCPs of every integration account and the quarantine RCP
      (:func:`airlock.stacks.perimeter_plan.plan_rcps`);
    * the EC2 declarative policy and the tag policy of the dedicated OU
      (:func:`airlock.stacks.perimeter_plan.plan_ou_policies`);
    * the vendor role of every integration with declared access;
    * the VPC endpoints of every integration and region, from the network builder
      (:func:`airlock.stacks.network.endpoint_service_names`), with the security groups the
      deployed stack gives them.

    Loads the CDK libraries (the builders live beside the stacks) but synthesizes nothing.
    Raises :class:`~airlock.spec.SpecError` when the guardrails do not fit the SCP quotas.
    """
    del lock
    from airlock.stacks.guardrail_plan import plan_scps
    from airlock.stacks.network import endpoint_service_names, endpoint_types
    from airlock.stacks.perimeter_plan import plan_ou_policies, plan_rcps

    plan = plan_scps(spec.organization, spec.integrations)
    rcp_plan = plan_rcps(spec.organization, spec.integrations)
    scps: dict[str, list[ExpectedPolicy]] = {}
    externals: dict[str, frozenset[str]] = {}
    for target in plan.targets:
        if target.integration is not None:
            key = target.integration
        else:
            key = DEDICATED_OU if len(target.ou_chain) == 1 else sub_ou_key(target.ou_chain[1:])
        scps[key] = [ExpectedPolicy(policy.name, policy.document) for policy in target.policies]
        if target.externals:
            externals[key] = frozenset(target.externals)
    endpoints = {
        (integration.name, region): [
            ExpectedEndpoint(name, security_groups_from_stack=True, endpoint_type=kind)
            for name, kind in zip(
                endpoint_service_names(integration, region), endpoint_types(integration, region), strict=True
            )
        ]
        for integration in spec.integrations
        for region in integration.regions
    }
    roles = {
        i.name: role for i in spec.integrations if (role := expected_vendor_role(i, spec.organization)) is not None
    }
    return Expectations(
        scps=scps,
        external_scps=externals,
        quarantine_scp=ExpectedPolicy(plan.quarantine.name, plan.quarantine.document),
        rcps={t.integration: [ExpectedPolicy(p.name, p.document) for p in t.policies] for t in rcp_plan.targets},
        quarantine_rcp=(
            ExpectedPolicy(rcp_plan.quarantine.name, rcp_plan.quarantine.document) if rcp_plan.quarantine else None
        ),
        ou_policies={
            planned.type: [ExpectedPolicy(planned.name, planned.document)]
            for planned in plan_ou_policies(spec.organization, spec.integrations)
        },
        vendor_roles=roles,
        endpoints={key: value for key, value in endpoints.items() if value},
    )
