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

from airlock.spec import AccountLock, Spec

#: Target key of the dedicated OU in :attr:`Expectations.scps` (its id is only known live).
DEDICATED_OU = "ou"


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


@dataclass(frozen=True)
class ExpectedEndpoint:
    """An interface endpoint of an integration's VPC.

    :param service_name: e.g. ``com.amazonaws.vpce.eu-central-1.vpce-svc-0123`` or
        ``com.amazonaws.eu-central-1.sqs``.
    :param security_groups: its security groups, as ``sg-`` ids or logical ids of the
        integration stack (resolved through the stack's resources).
    """

    service_name: str
    security_groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Expectations:
    """Expected state from the builders, keyed by where it applies.

    :param scps: SCPs by target: :data:`DEDICATED_OU`, an integration name (its account),
        or a literal root, OU or account id. Each target must carry exactly these (by name,
        with a normalised document comparison) plus ``allowed_extra_scps``.
    :param allowed_extra_scps: SCP names tolerated on any target (AWS's ``FullAWSAccess``).
    :param quarantine_scp: the SCP a suspended integration's account carries, and an active
        one does not.
    :param vendor_roles: the vendor role by integration name.
    :param endpoints: interface endpoints by ``(integration name, region)``.
    """

    scps: Mapping[str, Sequence[ExpectedPolicy]] = field(default_factory=dict)
    allowed_extra_scps: frozenset[str] = frozenset({"FullAWSAccess"})
    quarantine_scp: ExpectedPolicy | None = None
    vendor_roles: Mapping[str, ExpectedVendorRole] = field(default_factory=dict)
    endpoints: Mapping[tuple[str, str], Sequence[ExpectedEndpoint]] = field(default_factory=dict)


class ExpectationProvider(Protocol):
    """Anything that turns a spec (and its account lock) into :class:`Expectations`."""

    def __call__(self, spec: Spec, lock: AccountLock) -> Expectations: ...


def expectations_for(spec: Spec, lock: AccountLock) -> Expectations:
    """The expectations the builders on this branch define.

    Nothing yet: the guardrail catalogue, the quarantine SCP, the vendor role and the
    endpoint builders are connected here as they land, e.g.
    ``Expectations(scps={DEDICATED_OU: [ExpectedPolicy(p.name, p.document) for p in guardrails(spec)]})``.
    """
    del spec, lock
    return Expectations()
