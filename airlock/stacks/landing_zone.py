"""Translate a spec into stacks: one organization stack, one stack per integration and region."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk

from airlock.compliance import attach_packs
from airlock.spec import AccountLock, Integration, Spec
from airlock.stacks.feature_flags import FEATURE_FLAGS
from airlock.stacks.integration import IntegrationStack
from airlock.stacks.organization import OrganizationStack

if TYPE_CHECKING:
    from airlock.stacks.pipeline import DeploymentPipelineStack

ORGANIZATION_STACK = "airlock-organization"
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


def integration_stack_name(integration: Integration, region: str) -> str:
    return f"airlock-{integration.name}-{region}"


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
        outdir=str(outdir) if outdir is not None else None,
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

    organization: OrganizationStack
    integrations: list[IntegrationStack] = field(default_factory=list)
    #: Integrations left out, with the reason and the next step.
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: The compliance packs attached to the app.
    packs: tuple[str, ...] = ()
    #: The deployment pipeline, if the spec declares one; the other stacks are then in its stages.
    pipeline: DeploymentPipelineStack | None = None

    @property
    def stacks(self) -> list[cdk.Stack]:
        return [self.organization, *self.integrations]


def build(
    app: cdk.App,
    spec: Spec,
    *,
    lock: AccountLock | None = None,
    packs: Sequence[str] | None = None,
) -> LandingZone:
    """Add the landing zone's stacks to ``app`` and attach the compliance packs.

    ``packs`` overrides the spec's ``organization.compliance.packs`` selection (AwsSolutions
    and AirlockChecks run either way).
    """
    lock = lock or AccountLock()
    org = spec.organization
    layout = None
    if org.pipeline is not None:
        from airlock.stacks.pipeline import PipelineLayout

        layout = PipelineLayout(app, org)
    organization = OrganizationStack(
        layout.organization_scope() if layout else app,
        ORGANIZATION_STACK,
        stack_name=ORGANIZATION_STACK,
        description="saas-airlock: dedicated OU and intermediate accounts (management account)",
        env=cdk.Environment(account=org.management_account_id, region=org.home_region),
        organization=org,
        integrations=spec.integrations,
        termination_protection=True,
    )
    zone = LandingZone(organization=organization)
    for integration in spec.integrations:
        account_id = lock.account_id(integration)
        if account_id is None:
            zone.skipped.append(
                (
                    integration.name,
                    f"account id of '{integration.name}' is not known yet: deploy {ORGANIZATION_STACK}, "
                    "then run `airlock accounts sync <spec>` to record the new account's id in the lock file "
                    "beside the spec",
                )
            )
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
            if layout is None:  # in a pipeline, its stage order deploys the organization first
                stack.add_stack_dependency(organization, "the intermediate account and its OU come first")
            zone.integrations.append(stack)
    if layout is not None:
        zone.pipeline = layout.finish()
    zone.packs = attach_packs(app, packs if packs is not None else org.compliance.packs)
    if _context_flag(app, CLOUDFORMATION_VALIDATION):
        cdk.Validations.of(app).add_plugins(cdk.CloudFormationValidatePlugin())
    organization.node.add_metadata(PACKS_METADATA, list(zone.packs), stack_trace=False)
    return zone
