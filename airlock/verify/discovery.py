"""Finding an integration's resources: through its CloudFormation stack, not its tags.

The stack name is derived from the spec (``airlock-<integration>-<region>``) and the stack's
resource list is CloudFormation's own record of the physical ids it created. That record
cannot be edited without ``cloudformation:*`` rights in the intermediate account (which the
guardrails reserve for the deployment role), it covers every resource type (tags do not: a
flow log or a queue policy carries none, and CloudFormation does not tag every type), and
it needs one paginated call per stack instead of one tag query per resource type. Tags are
mutable by anyone with ``tag:*`` and a resource whose tag was removed would silently drop
out of the audit. Resources that *should not* exist (an internet gateway someone attached)
carry neither: the checks find those by looking at what is attached to the stack's VPCs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from airlock.verify.aws import ApiError
from airlock.verify.context import Context, integration_stack_name

#: Stack states in which the stack's resources are what its template says.
STABLE_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"})


@dataclass(frozen=True)
class DeployedStack:
    """An integration stack as deployed: status, resources (logical -> physical) and template."""

    name: str
    status: str
    resources: dict[str, tuple[str, str]] = field(default_factory=dict)  # logical id -> (type, physical id)
    template: dict[str, Any] = field(default_factory=dict)

    def physical_ids(self, resource_type: str) -> list[str]:
        return sorted(pid for type_, pid in self.resources.values() if type_ == resource_type and pid)

    def physical_id(self, logical_id: str) -> str | None:
        found = self.resources.get(logical_id)
        return found[1] if found else None

    def template_resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical: body
            for logical, body in self.template.get("Resources", {}).items()
            if body.get("Type") == resource_type
        }

    def resolve(self, value: Any) -> str | None:
        """A template value as a physical value: a literal, or a ``Ref`` to a stack resource."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and set(value) == {"Ref"}:
            return self.physical_id(value["Ref"])
        return None


def deployed_stack(ctx: Context) -> DeployedStack | None:
    """The current integration's stack in the current region, or None if it does not exist."""
    assert ctx.integration is not None and ctx.region is not None
    name = integration_stack_name(ctx.integration, ctx.region)
    return ctx.memo(("stack", ctx.account_id, ctx.region, name), lambda: _read_stack(ctx, name))


def _read_stack(ctx: Context, name: str) -> DeployedStack | None:
    account = ctx.account()
    region = ctx.region
    assert region is not None
    try:
        (stack,) = account.call("cloudformation", region, "describe_stacks", StackName=name)["Stacks"]
    except ApiError as exc:
        if exc.code == "ValidationError":  # "Stack with id ... does not exist"
            return None
        raise
    summaries = account.items(
        "cloudformation", region, "list_stack_resources", "StackResourceSummaries", StackName=name
    )
    resources = {
        s["LogicalResourceId"]: (s["ResourceType"], s.get("PhysicalResourceId", ""))
        for s in summaries
        if not s.get("ResourceStatus", "").startswith("DELETE")
    }
    body = account.call("cloudformation", region, "get_template", StackName=name).get("TemplateBody", {})
    template = body if isinstance(body, dict) else _parse_template(body)
    return DeployedStack(name=name, status=stack["StackStatus"], resources=resources, template=template)


def _parse_template(body: str) -> dict[str, Any]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}  # a YAML template: airlock synthesizes JSON, so this stack was not deployed by it
    return parsed if isinstance(parsed, dict) else {}
