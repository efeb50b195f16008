"""The proof that a landing zone works: flows allowed, probes denied, access exact, stacks deployable.

:func:`prove` reads a cloud assembly and its spec and returns a :class:`Proof`; its
:meth:`Proof.failures` are what ``airlock check`` reports (every one blocks) and what
``airlock access`` prints. Nothing here synthesizes: the proof judges the templates as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from airlock.access.assembly import read_stacks
from airlock.access.deploy import Deployability, deployability
from airlock.access.effective import EffectiveAccess, effective_access
from airlock.access.flows import all_flows
from airlock.access.model import Verdict
from airlock.access.probes import all_probes
from airlock.access.steps import Flow, Probe
from airlock.access.world import World
from airlock.spec import AccountLock, Spec

#: Rule ids of the proof's findings (reports, acknowledgements and docs use them).
RULE_FLOW = "Access-Flow"
RULE_PROBE = "Access-Probe"
RULE_BEYOND = "Access-BeyondGrants"
RULE_INEFFECTIVE = "Access-IneffectiveGrant"
RULE_DEPLOY = "Access-Deployability"
RULE_UNDECIDED = "Access-Undecided"
PACK = "Access"


@dataclass(frozen=True)
class Failure:
    """One thing the proof could not show, located as precisely as it can be."""

    rule: str
    integration: str | None
    message: str
    origin: str | None = None
    template: str | None = None
    logical_id: str | None = None
    stack: str | None = None


@dataclass
class Proof:
    flows: list[Flow] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    access: list[EffectiveAccess] = field(default_factory=list)
    deploy: Deployability | None = None
    assumptions: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures()

    def failures(self) -> list[Failure]:
        out: list[Failure] = []
        for flow in self.flows:
            step = flow.broken()
            if step is None:
                continue
            rule = RULE_UNDECIDED if step.decision.verdict is Verdict.UNDECIDED else RULE_FLOW
            source = step.decision.deciding[0] if step.decision.deciding else None
            out.append(
                Failure(
                    rule,
                    flow.integration,
                    f"flow '{flow.name}' is broken at step '{step.title}': {step.decision.reason}",
                    flow.origin,
                    source.template if source else None,
                    source.logical_id if source else None,
                )
            )
        for probe in self.probes:
            if probe.passed:
                continue
            decision = probe.step.decision
            rule = RULE_UNDECIDED if decision.verdict is Verdict.UNDECIDED else RULE_PROBE
            source = decision.deciding[0] if decision.deciding else None
            out.append(
                Failure(
                    rule,
                    probe.integration,
                    f"probe '{probe.name}' ({probe.why}) is not denied: {probe.step.title}: {decision.reason}",
                    template=source.template if source else None,
                    logical_id=source.logical_id if source else None,
                )
            )
        for result in self.access:
            for access in result.beyond:
                out.append(
                    Failure(
                        RULE_BEYOND,
                        result.integration,
                        f"{result.principal} can {access.describe()}, which no grant declares",
                        result.origin,
                    )
                )
            for access in result.ineffective:
                out.append(
                    Failure(
                        RULE_INEFFECTIVE,
                        result.integration,
                        f"{result.principal} cannot {access.describe()}, which a grant declares",
                        result.origin,
                    )
                )
            for access, decision in result.undecided:
                out.append(
                    Failure(
                        RULE_UNDECIDED,
                        result.integration,
                        f"{result.principal}: {access.describe()}: {decision.reason}",
                        result.origin,
                    )
                )
        if self.deploy is not None:
            for denial in self.deploy.denials:
                rule = RULE_UNDECIDED if denial.decision.verdict is Verdict.UNDECIDED else RULE_DEPLOY
                out.append(
                    Failure(
                        rule,
                        denial.integration,
                        denial.message(),
                        template=denial.template,
                        logical_id=denial.logical_id,
                        stack=denial.stack,
                    )
                )
        return out


def prove_world(world: World, names: Iterable[str] | None = None, *, organization: bool | None = None) -> Proof:
    """The proof for ``names`` (default: every integration and the organization layer); with
    ``organization``, also (or, for empty ``names``, only) the organization layer's deployability."""
    selected = set(names) if names is not None else None
    proof = Proof()
    proof.flows = all_flows(world, selected)
    proof.probes = all_probes(world, selected)
    for integration in world.spec.integrations:
        if selected is None or integration.name in selected:
            proof.access += effective_access(world, integration.name)
    proof.deploy = deployability(world, selected, organization=organization)
    proof.assumptions = sorted(set(world.organization.assumptions.values()))
    return proof


def prove(
    assembly: str | Path, spec: Spec, lock: AccountLock | None = None, names: Iterable[str] | None = None
) -> Proof:
    """Prove the landing zone in ``assembly`` (a ``cdk.out`` folder) against ``spec``."""
    world = World(read_stacks(assembly), spec, lock)
    return prove_world(world, names)
