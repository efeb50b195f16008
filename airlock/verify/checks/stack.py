"""The integration stack itself: it exists and is in a settled state."""

from __future__ import annotations

from airlock.verify.context import Context, integration_stack_name
from airlock.verify.discovery import STABLE_STATES, deployed_stack
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check


@check("AV-STACK-1", scope=Scope.REGION, title="The integration stack exists and is settled")
def stack_deployed(ctx: Context) -> list[Finding]:
    """The stack ``airlock-<integration>-<region>`` exists in the intermediate account and its
    status is CREATE_COMPLETE, UPDATE_COMPLETE or IMPORT_COMPLETE (a rolled-back update leaves
    resources that differ from the template)."""
    assert ctx.integration is not None and ctx.region is not None
    name = integration_stack_name(ctx.integration, ctx.region)
    stack = deployed_stack(ctx)
    if stack is None:
        return [ctx.missing("AV-STACK-1", name, f"stack {name} does not exist; deploy it")]
    if stack.status not in STABLE_STATES:
        return [ctx.drift("AV-STACK-1", name, f"stack {name} is {stack.status}; resolve it and redeploy")]
    return [ctx.ok("AV-STACK-1", name, f"stack {name} is {stack.status}")]
