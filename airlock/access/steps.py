"""Steps, flows and probes: the units the proof evaluates and reports.

A :class:`Step` is one thing AWS must decide: an API request (evaluated with
:func:`airlock.access.evaluate.evaluate` over the policies the world says it meets), a name
lookup through the DNS Firewall, a connection through a security group or to an endpoint
service. A :class:`Flow` is a chain of steps that must all be allowed for data to move; a
:class:`Probe` is a step that must be denied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from airlock.access.evaluate import evaluate
from airlock.access.model import Decision, Policy, PolicySet, Principal, Request, Verdict
from airlock.access.organization import OrganizationModel
from airlock.access.world import Endpoint, World


@dataclass(frozen=True)
class Step:
    """One decision of a flow or probe.

    :param title: what happens, in plain words ("Ledgerly's role assumes airlock-payroll-vendor").
    :param kind: ``iam`` (an API request), ``dns``, ``network`` or ``endpoint-service``.
    :param detail: what a report shows of it (principal, action, resource, context, query ...).
    :param decide: computes the decision (called once; see :attr:`decision`).
    """

    title: str
    kind: str
    detail: Mapping[str, Any]
    decide: Callable[[], Decision] = field(repr=False, compare=False)

    @cached_property
    def decision(self) -> Decision:
        return self.decide()


def describe_request(request: Request) -> dict[str, Any]:
    return {
        "principal": request.principal.arn,
        "action": request.action,
        "resource": request.resource,
        "context": {key: list(values) for key, values in sorted(request.context.items())},
    }


def iam_step(
    world: World,
    title: str,
    principal: Principal,
    action: str,
    resource: str,
    *,
    region: str | None = None,
    endpoint: Endpoint | None = None,
    extra: Mapping[str, Any] | None = None,
    identity: Sequence[Policy] | None = None,
    organization: OrganizationModel | None = None,
    resource_policy: Policy | None = None,
) -> Step:
    """An API request as AWS would authorize it, with the world's policies and context.

    ``resource_policy`` stands in for the resource's policy when the resource is not in the
    assembly (a role the flow supposes).
    """
    request = world.request(principal, action, resource, region=region, endpoint=endpoint, extra=extra)
    policies: PolicySet = world.policies_for(request, endpoint=endpoint, identity=identity, organization=organization)
    if resource_policy is not None:
        policies = dataclasses.replace(policies, resource=resource_policy)
    detail = describe_request(request)
    if endpoint is not None:
        detail["endpoint"] = endpoint.resource.logical_id
    return Step(title, "iam", detail, lambda: evaluate(request, policies))


def fixed_step(title: str, kind: str, detail: Mapping[str, Any], decision: Callable[[], Decision]) -> Step:
    return Step(title, kind, detail, decision)


def missing_step(title: str, why: str) -> Step:
    """A step that cannot happen because what it needs is not in the assembly."""
    return Step(title, "missing", {"missing": why}, lambda: Decision(Verdict.DENY, why))


@dataclass(frozen=True)
class Flow:
    """A chain of steps that must all be allowed.

    :param origin: the spec field that declares the flow (``integrations[1].access.grants[0]``).
    """

    integration: str
    name: str
    origin: str
    steps: tuple[Step, ...]

    @property
    def verdict(self) -> Verdict:
        verdicts = [step.decision.verdict for step in self.steps]
        if Verdict.UNDECIDED in verdicts:
            return Verdict.UNDECIDED
        return Verdict.ALLOW if all(v is Verdict.ALLOW for v in verdicts) else Verdict.DENY

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.ALLOW

    def broken(self) -> Step | None:
        """The first step that is not allowed."""
        return next((step for step in self.steps if not step.decision.allowed), None)


@dataclass(frozen=True)
class Probe:
    """A request that must be denied: a misuse the landing zone has to stop."""

    integration: str
    name: str
    why: str
    step: Step

    @property
    def passed(self) -> bool:
        return self.step.decision.verdict is Verdict.DENY
