"""CDK bootstrap: a hand-made bootstrap stack in an adopted account collides with the StackSet.

The organization stack's bootstrap StackSet deploys into every account that enters the
dedicated OU. An account bootstrapped by hand before it was adopted (``cdk bootstrap``,
stack ``CDKToolkit``) with the StackSet's qualifier already holds the roles, the bucket
and the version parameter under the names the StackSet's stack would create, so that stack
instance fails with AlreadyExists. The check looks before the move, while the account is
still outside the OU; inside it, the account's bootstrap is the StackSet's.
"""

from __future__ import annotations

from airlock.verify.aws import ApiError
from airlock.verify.checks.organization import account_parents, dedicated_ou
from airlock.verify.context import Context
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

#: The stack name `cdk bootstrap` gives the bootstrap stack unless told otherwise.
TOOLKIT_STACK = "CDKToolkit"
#: The qualifier of a bootstrap template that has no Qualifier parameter (the CDK default).
DEFAULT_QUALIFIER = "hnb659fds"


@check(
    "AV-BOOTSTRAP-1",
    scope=Scope.INTEGRATION,
    title="No hand-made CDK bootstrap stack stands in the way of the bootstrap StackSet",
)
def hand_made_bootstrap(ctx: Context) -> list[Finding]:
    """An adopted account outside the dedicated OU has no ``CDKToolkit`` stack with the
    StackSet's qualifier (``organization.bootstrap.qualifier``) in any bootstrap region
    (``organization.bootstrap.regions``, default ``organization.allowed_regions``); once the
    account moves into the OU the StackSet would fail there with AlreadyExists. Accounts in
    the OU, created accounts and a disabled StackSet need no look."""
    assert ctx.integration is not None
    bootstrap = ctx.spec.organization.bootstrap
    if not bootstrap.enabled:
        return [ctx.ok("AV-BOOTSTRAP-1", ctx.where(), "the bootstrap StackSet is off (bootstrap.enabled: false)")]
    account_id = ctx.account_id
    if ctx.integration.account.adopt is None or account_id is None:
        return [ctx.ok("AV-BOOTSTRAP-1", ctx.where(), "created in the dedicated OU: the StackSet bootstraps it")]
    unit = dedicated_ou(ctx)
    try:
        parents = account_parents(ctx, account_id)
    except ApiError as exc:
        if exc.code not in ("ChildNotFoundException", "AccountNotFoundException"):
            raise
        parents = []  # not in the organization yet: AV-ACCOUNT-1 says so; look at the stack anyway
    if unit is not None and unit["Id"] in parents:
        return [ctx.ok("AV-BOOTSTRAP-1", account_id, "in the dedicated OU: its CDK bootstrap is the StackSet's")]
    regions = bootstrap.regions or ctx.spec.organization.allowed_regions
    return [_look(ctx, account_id, region, bootstrap.qualifier) for region in regions]


def _look(ctx: Context, account_id: str, region: str, qualifier: str) -> Finding:
    resource = f"{account_id}/{region}/{TOOLKIT_STACK}"
    here = ctx.scoped(ctx.integration, region)
    try:
        (stack,) = ctx.account().call("cloudformation", region, "describe_stacks", StackName=TOOLKIT_STACK)["Stacks"]
    except ApiError as exc:
        if exc.code == "ValidationError":  # "Stack with id CDKToolkit does not exist"
            return here.ok("AV-BOOTSTRAP-1", resource, f"no hand-made bootstrap stack {TOOLKIT_STACK} in {region}")
        raise
    parameters = {p.get("ParameterKey"): p.get("ParameterValue") for p in stack.get("Parameters", [])}
    theirs = parameters.get("Qualifier") or DEFAULT_QUALIFIER
    if theirs != qualifier:
        return here.ok(
            "AV-BOOTSTRAP-1",
            resource,
            f"{TOOLKIT_STACK} uses qualifier '{theirs}', the StackSet '{qualifier}': their resources do not collide",
        )
    return here.drift(
        "AV-BOOTSTRAP-1",
        resource,
        f"hand-made CDK bootstrap stack {TOOLKIT_STACK} (qualifier '{qualifier}', {stack.get('StackStatus')}) exists; "
        "when the account moves into the dedicated OU, the bootstrap StackSet's stack fails here with AlreadyExists "
        "(same role, bucket and parameter names): delete it before the move, see docs/runbook.md "
        "('Adopting an account bootstrapped by hand')",
    )
