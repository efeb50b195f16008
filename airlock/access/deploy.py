"""Deployability: would CloudFormation be allowed to create, update and delete every resource?

For every resource of every stack, the IAM permissions its CloudFormation handler needs are
read from the resource provider schemas that cfn-lint ships (``handlers.create|update|delete
.permissions``); each is evaluated for the stack's CloudFormation execution role (from the
assembly's manifest) under the SCPs of the target account. Resources retained on delete need
no delete permissions. The StackSet that bootstraps the dedicated OU is judged the same way:
every resource of its template, for each account of its target OUs and each region, by the
StackSet execution role (``stacksets-exec-*``).

The execution role's own policies are the bootstrap's execution policies (AdministratorAccess
by default); the management account is not restricted by SCPs at all.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from airlock.access import action_catalogue as catalogue
from airlock.access.evaluate import evaluate
from airlock.access.model import Decision, Policy, Principal, Source, Verdict
from airlock.access.policy import parse_policy
from airlock.access.template import Resolver, StackTemplate
from airlock.access.world import KNOWN_MANAGED_POLICIES, World

HANDLERS = ("create", "update", "delete")
#: The StackSet execution role that service-managed StackSets create in each target account.
STACKSET_EXECUTION_ROLE = "stacksets-exec-0123456789abcdef0123456789abcdef"
_SERVICE_ADDRESS = "52.94.133.1"


#: Handler permissions a resource type lists for a property shape the template does not use:
#: (type, permission) -> the property whose presence makes the handler call it. A handler's
#: list covers every shape of its type; these are the documented alternatives
#: (AWS::EC2::VPCGatewayAttachment: "specify either InternetGatewayId or VpnGatewayId, but not
#: both", https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-vpcgatewayattachment.html).
#: A unit test keeps every entry present in the schemas, so a schema change cannot leave one stale.
CONDITIONAL_PERMISSIONS: dict[tuple[str, str], str] = {
    ("AWS::EC2::VPCGatewayAttachment", "ec2:AttachInternetGateway"): "InternetGatewayId",
    ("AWS::EC2::VPCGatewayAttachment", "ec2:DetachInternetGateway"): "InternetGatewayId",
    ("AWS::EC2::VPCGatewayAttachment", "ec2:DescribeInternetGateways"): "InternetGatewayId",
    ("AWS::EC2::VPCGatewayAttachment", "ec2:AttachVpnGateway"): "VpnGatewayId",
    ("AWS::EC2::VPCGatewayAttachment", "ec2:DetachVpnGateway"): "VpnGatewayId",
    ("AWS::EC2::VPCGatewayAttachment", "ec2:DescribeVpnGateways"): "VpnGatewayId",
}


def needed(resource_type: str, permission: str, properties: Mapping[str, Any]) -> bool:
    """Whether a listed handler permission applies to a resource with these properties."""
    prop = CONDITIONAL_PERMISSIONS.get((resource_type, permission))
    return prop is None or prop in properties


@functools.cache
def _provider_index(region: str) -> dict[str, str]:
    base = resources.files("cfnlint") / "data" / "schemas" / "providers"
    name = f"{region}.json" if (base / f"{region}.json").is_file() else "us-east-1.json"
    data: dict[str, str] = json.loads((base / name).read_text(encoding="utf-8"))
    return data


@functools.cache
def handler_permissions(resource_type: str, region: str) -> dict[str, tuple[str, ...]] | None:
    """The permissions each handler of ``resource_type`` needs; None when no schema knows the type."""
    digest = _provider_index(region).get(resource_type)
    if digest is None:
        return None
    path = resources.files("cfnlint") / "data" / "schemas" / "resources" / f"{digest}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    handlers = schema.get("handlers") or {}
    return {name: tuple((handlers.get(name) or {}).get("permissions") or ()) for name in HANDLERS if name in handlers}


@dataclass(frozen=True)
class Denial:
    """A permission a deployment would be refused, and why."""

    stack: str
    template: str
    logical_id: str
    resource_type: str
    handler: str
    permission: str
    account: str
    region: str
    decision: Decision
    #: The integration whose account the stack deploys into; None for the management account.
    integration: str | None = None

    def message(self) -> str:
        return (
            f"{self.stack} cannot {self.handler} {self.logical_id} ({self.resource_type}) in {self.account}: "
            f"{self.permission} {self.decision.reason}"
        )


@dataclass
class Deployability:
    """Every refused permission of every stack, and what was checked."""

    denials: list[Denial]
    checked: int
    stacks: int

    @property
    def deployable(self) -> bool:
        return not self.denials


def _execution_identity(world: World) -> list[Policy]:
    out = []
    for arn in world.spec.organization.bootstrap.execution_policies:
        document = KNOWN_MANAGED_POLICIES.get(arn)
        if document is None:
            source = Source("identity", name=arn)
            document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            out.append(parse_policy(document, source))  # recorded as an assumption in the report
        else:
            out.append(parse_policy(document, Source("identity", name=arn.rsplit("/", 1)[-1])))
    return out


@functools.lru_cache(maxsize=65536)
def _acts_on(action: str, resource_type: str, sample_arn: str) -> bool:
    """Whether ``action`` acts on resources of ``resource_type`` (judged on one ARN of the type)."""
    return sample_arn in catalogue.resources_for(action, (sample_arn,))


def _resource_arn(action: str, arn: str | None, resource_type: str, samples: dict[str, str]) -> str:
    """The resource a handler's call names: the resource itself where the action acts on its type."""
    if arn is None:
        return "*"
    sample = samples.setdefault(resource_type, arn)
    return arn if _acts_on(action, resource_type, sample) else "*"


def _tags(resolver: Resolver, body: Mapping[str, Any]) -> dict[str, str]:
    tags = resolver.property(body, "Tags")
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags if isinstance(t, Mapping) and isinstance(t.get("Value"), str)}
    return {}


def _stack_denials(
    world: World,
    stack: StackTemplate,
    resolver: Resolver,
    principal: Principal,
    identity: list[Policy],
    cache: dict[tuple[Any, ...], Decision],
) -> Iterator[tuple[str, str, str, str, Decision] | int]:
    samples: dict[str, str] = {}
    for logical_id, body in stack.resources.items():
        if resolver.resource_exists(body) is False:
            continue
        type_ = str(body.get("Type"))
        permissions = handler_permissions(type_, stack.region)
        arn_value = resolver.attributes(logical_id).get("Arn")
        arn = arn_value if isinstance(arn_value, str) else None
        tags = _tags(resolver, body)
        if permissions is None:
            yield (
                logical_id,
                type_,
                "create",
                "(schema)",
                Decision(Verdict.UNDECIDED, f"no CloudFormation resource schema describes {type_}"),
            )
            continue
        retained = str(body.get("DeletionPolicy", "Delete")) in ("Retain", "RetainExceptOnUpdate")
        created_tags = tuple(sorted(tags.items()))
        key_policy: Policy | None = None
        for handler, listed in permissions.items():
            if handler == "delete" and retained:
                continue
            for permission in listed:
                if not needed(type_, permission, body.get("Properties") or {}):
                    continue
                resource = _resource_arn(permission, arn, type_, samples)
                # Only a create passes the template's tags; update and delete see the resource's.
                key = (principal.arn, permission, resource, created_tags if handler == "create" else ())
                decision = cache.get(key)
                if decision is None:
                    extra: dict[str, Any] = {"aws:SourceIp": _SERVICE_ADDRESS}
                    if handler == "create" and tags:
                        extra.update({f"aws:RequestTag/{k}": v for k, v in tags.items()})
                        extra["aws:TagKeys"] = sorted(tags)
                    request = world.request(principal, permission, resource, region=stack.region, extra=extra)
                    policies = world.policies_for(request, identity=identity)
                    if type_ == "AWS::KMS::Key" and resource == arn and permission.lower().startswith("kms:"):
                        # The key's own policy, as this stack instance sets it.
                        if key_policy is None:
                            document = resolver.property(body, "KeyPolicy")
                            key_policy = parse_policy(document, Source("key", stack.file, logical_id))
                        policies = dataclasses.replace(policies, resource=key_policy, key_policy=True)
                    decision = evaluate(request, policies)
                    cache[key] = decision
                yield 1
                if not decision.allowed:
                    yield logical_id, type_, handler, permission, decision


def _collect(
    world: World,
    stack: StackTemplate,
    resolver: Resolver,
    principal: Principal,
    identity: list[Policy],
    cache: dict[tuple[Any, ...], Decision],
    out: Deployability,
) -> None:
    out.stacks += 1
    for item in _stack_denials(world, stack, resolver, principal, identity, cache):
        if isinstance(item, int):
            out.checked += item
            continue
        logical_id, type_, handler, permission, decision = item
        out.denials.append(
            Denial(
                stack.name, stack.file, logical_id, type_, handler, permission, stack.account, stack.region, decision
            )
        )


def stackset_instances(world: World) -> Iterator[tuple[StackTemplate, str]]:
    """Each (account, region) instance of the assembly's service-managed StackSets, with its template."""
    for resource in world.resources:
        if resource.type != "AWS::CloudFormation::StackSet":
            continue
        resolver = world.resolvers[resource.stack]
        props = resolver.resolve(dict(resource.properties))
        if props.get("PermissionModel") != "SERVICE_MANAGED" or not isinstance(props.get("TemplateBody"), str):
            continue
        body = json.loads(props["TemplateBody"])
        parameters = {p["ParameterKey"]: p["ParameterValue"] for p in props.get("Parameters") or []}
        for group in props.get("StackInstancesGroup") or []:
            ous = set((group.get("DeploymentTargets") or {}).get("OrganizationalUnitIds") or [])
            for account in world.organization.account_parents:
                chain = {target for target, _, _ in world.organization.chain(account)}
                if not ous & chain:
                    continue
                for region in group.get("Regions") or []:
                    name = f"{props.get('StackSetName')}@{account}/{region}"
                    yield StackTemplate(name, resource.template, account, region, body, parameters), name


def deployability(world: World, names: set[str] | None = None, *, organization: bool | None = None) -> Deployability:
    """Every permission every stack (and StackSet instance) needs, judged under its account's SCPs.

    :param names: only the stacks of these integrations and the StackSet instances in their
        accounts. Default: every stack.
    :param organization: also the stacks of the organization layer (no integration). Default:
        exactly when ``names`` is None.
    """
    out = Deployability([], 0, 0)
    cache: dict[tuple[Any, ...], Decision] = {}
    identity = _execution_identity(world)
    with_organization = names is None if organization is None else organization
    for name, artifact in world.artifacts.items():
        wanted = with_organization if artifact.integration is None else names is None or artifact.integration in names
        if not wanted:
            continue
        role = artifact.execution_role or f"arn:aws:iam::{artifact.account}:role/cdk-execution-role"
        principal = Principal.role(role, session="AWSCloudFormation")
        stack = world.resolvers[name].stack
        _collect(world, stack, world.resolvers[name], principal, identity, cache, out)
    if names is None or names:
        for stack, name in stackset_instances(world):
            if names is not None and world.integration_of(stack.account) not in names:
                continue
            resolver = Resolver(stack, attributes=world.attribute_function, stack_name=name)
            principal = Principal.role(
                f"arn:aws:iam::{stack.account}:role/{STACKSET_EXECUTION_ROLE}", session="stackset"
            )
            _collect(world, stack, resolver, principal, identity, cache, out)
    return out
