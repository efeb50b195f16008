"""Translate a spec into stacks: one organization stack, one stack per integration and region."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from airlock.compliance import attach_packs
from airlock.layout import (
    ORGANIZATION_STACK,
    OrganizationLayoutPlan,
    integration_stack_name,
    integration_unit,
    plan_layout,
    skipped_integrations,
)
from airlock.spec import AccountLock, Spec
from airlock.stacks.feature_flags import FEATURE_FLAGS
from airlock.stacks.integration import IntegrationStack
from airlock.stacks.organization import OrganizationAccountsStack, OrganizationStack

if TYPE_CHECKING:
    from airlock.stacks.pipeline import DeploymentPipelineStack

#: Stack metadata that records which compliance packs checked the assembly.
PACKS_METADATA = "airlock:compliance-packs"

#: Context every airlock app sets: a machine-readable validation report in the assembly.
#: CDK's own resource-count check is off: airlock.limits checks every limit of every stack
#: after synthesis and reports all of them at once, with the fix.
APP_CONTEXT: dict[str, object] = {
    **FEATURE_FLAGS,
    "@aws-cdk/core:validationReportJson": True,
    "@aws-cdk/core:stackResourceLimit": 0,
}


#: Context key that turns the CDK's built-in CloudFormation validation back on (``-c ...=true``).
CLOUDFORMATION_VALIDATION = "airlock:cloudformation-validation"


def new_app(outdir: str | Path | None = None) -> cdk.App:
    """An App with airlock's context; ``outdir`` defaults to what the CDK CLI passes.

    The CDK's built-in CloudFormation validation (a WebAssembly schema checker that only
    warns unless told otherwise) is off: its start-up alone costs about 2.5 s per synthesis,
    more than everything else in the default example, and ``airlock check`` runs cfn-lint
    over every template, blocking on errors. ``-c airlock:cloudformation-validation=true``
    turns it back on (see :func:`build`).
    """
    return cdk.App(
        # Absolute: the jsii kernel keeps the working folder it started in, which a caller may have left.
        outdir=str(Path(outdir).resolve()) if outdir is not None else None,
        analytics_reporting=False,
        builtin_cloud_formation_validation=False,
        context=dict(APP_CONTEXT),
    )


def _context_flag(app: cdk.App, key: str) -> bool:
    value = app.node.try_get_context(key)
    return value is True or str(value).strip().lower() in {"true", "1", "yes"}


@dataclass
class LandingZone:
    """What :func:`build` added to the app."""

    #: The organization stack; None when ``build`` was told to leave it out (``only``).
    organization: OrganizationStack | None
    integrations: list[IntegrationStack] = field(default_factory=list)
    #: The account stacks (``airlock-organization-accounts-NN``) that were built.
    account_stacks: list[OrganizationAccountsStack] = field(default_factory=list)
    #: Integrations left out, with the reason and the next step.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The compliance packs attached to the app.
    packs: tuple[str, ...] = ()
    #: The deployment pipeline, if the spec declares one; the other stacks are then in its stages.
    pipeline: DeploymentPipelineStack | None = None
    layout: OrganizationLayoutPlan | None = None

    @property
    def stacks(self) -> list[cdk.Stack]:
        head: list[cdk.Stack] = [self.organization] if self.organization is not None else []
        return [*head, *self.account_stacks, *self.integrations]


def build(
    app: cdk.App,
    spec: Spec,
    *,
    lock: AccountLock | None = None,
    packs: Sequence[str] | None = None,
    only: Collection[str] | None = None,
) -> LandingZone:
    """Add the landing zone's stacks to ``app`` and attach the compliance packs.

    ``packs`` overrides the spec's ``organization.compliance.packs`` selection (AwsSolutions
    and AirlockChecks run either way). ``only`` builds just these units (stack names of the
    organization layer, :func:`integration_unit` names), for synthesis in parts
    (:mod:`airlock.assembly`); their dependencies on stacks of other units are then not
    declared in the app, the assembly merge writes them. Default: every stack, dependencies
    declared.
    """
    lock = lock or AccountLock()
    org = spec.organization
    wanted = (lambda unit: True) if only is None else set(only).__contains__
    layout = None
    if org.pipeline is not None:
        from airlock.stacks.pipeline import PipelineLayout

        layout = PipelineLayout(app, org)
    zone = LandingZone(organization=None, layout=plan_layout(org, spec.integrations))
    zone.skipped = [item for item in skipped_integrations(spec, lock) if wanted(integration_unit(item[0]))]
    built = _organization_layer(zone, layout.organization_scope() if layout else app, spec, lock, wanted, only is None)
    skipped = {name for name, _ in zone.skipped}
    for integration in spec.integrations:
        account_id = lock.account_id(integration)
        if integration.name in skipped or account_id is None or not wanted(integration_unit(integration.name)):
            continue
        for region in integration.regions:
            name = integration_stack_name(integration, region)
            stack = IntegrationStack(
                layout.integration_scope(integration, region) if layout else app,
                name,
                stack_name=name,
                description=f"saas-airlock: intermediate account of integration '{integration.name}' "
                f"({integration.vendor.name}) in {region}",
                env=cdk.Environment(account=account_id, region=region),
                organization=org,
                integration=integration,
            )
            if layout is None and only is None:  # in a pipeline, its stage order deploys the organization first
                needs = zone.layout.integration_dependencies(integration) if zone.layout else []
                _depend(stack, needs, built, "the account, OU and SCPs first")
            zone.integrations.append(stack)
    if layout is not None:
        zone.pipeline = layout.finish()
    zone.packs = attach_packs(app, packs if packs is not None else org.compliance.packs)
    if _context_flag(app, CLOUDFORMATION_VALIDATION):
        cdk.Validations.of(app).add_plugins(cdk.CloudFormationValidatePlugin())
    if zone.organization is not None:
        zone.organization.node.add_metadata(PACKS_METADATA, list(zone.packs), stack_trace=False)
    return zone


def _organization_layer(
    zone: LandingZone,
    scope: Construct,
    spec: Spec,
    lock: AccountLock,
    wanted: Callable[[str], bool],
    declare: bool,
) -> dict[str, cdk.Stack]:
    """The wanted stacks of the organization layer, by name; ``declare``: their dependencies too."""
    org = spec.organization
    plan = zone.layout
    assert plan is not None
    env = cdk.Environment(account=org.management_account_id, region=org.home_region)
    built: dict[str, cdk.Stack] = {}
    if wanted(ORGANIZATION_STACK):
        zone.organization = OrganizationStack(
            scope,
            ORGANIZATION_STACK,
            stack_name=ORGANIZATION_STACK,
            description="saas-airlock: dedicated OU and intermediate accounts (management account)",
            env=env,
            organization=org,
            integrations=spec.integrations,
            held=plan.kept,
            account_ids=lock.ids,
            termination_protection=True,
        )
        built[ORGANIZATION_STACK] = zone.organization
    for name, members in plan.account_stacks.items():
        if not wanted(name):
            continue
        stack = OrganizationAccountsStack(
            scope,
            name,
            stack_name=name,
            description="saas-airlock: intermediate accounts and their guardrails (management account)",
            env=env,
            organization=org,
            integrations=members,
            termination_protection=True,
        )
        built[name] = stack
        zone.account_stacks.append(stack)
        if declare:
            _depend(stack, plan.account_stack_dependencies(name), built, "the OUs and the previous account stack first")
    return built


def _depend(stack: cdk.Stack, names: Sequence[str], built: dict[str, cdk.Stack], reason: str) -> None:
    """Declare ``stack``'s dependencies on those of ``names`` that this app holds."""
    for name in names:
        if name in built and built[name] is not stack:
            stack.add_stack_dependency(built[name], reason)
