"""VPC endpoints: the declared ones exist with their security groups, and none is open to the world."""

from __future__ import annotations

from typing import Any

from airlock.verify.checks.network import stack_vpcs
from airlock.verify.context import Context
from airlock.verify.discovery import DeployedStack
from airlock.verify.expected import ExpectedEndpoint
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

_OPEN = ("0.0.0.0/0", "::/0")
_GONE = ("deleted", "deleting", "rejected", "failed", "expired")


def vpc_endpoints(ctx: Context, vpcs: list[str]) -> list[dict[str, Any]]:
    assert ctx.region is not None

    def read() -> list[dict[str, Any]]:
        endpoints = ctx.account().items(
            "ec2", ctx.region, "describe_vpc_endpoints", "VpcEndpoints", Filters=[{"Name": "vpc-id", "Values": vpcs}]
        )
        return [e for e in endpoints if e.get("VpcId") in vpcs and str(e.get("State", "")).lower() not in _GONE]

    return ctx.memo(("endpoints", ctx.account_id, ctx.region, tuple(vpcs)), read)


def _open_rules(group: dict[str, Any]) -> list[str]:
    opened = []
    for permission in group.get("IpPermissions", []):
        ports = (
            "all ports"
            if permission.get("IpProtocol") == "-1"
            else f"{permission.get('IpProtocol')} {permission.get('FromPort')}-{permission.get('ToPort')}"
        )
        cidrs = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
        cidrs += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
        opened += [f"{cidr} on {ports}" for cidr in cidrs if cidr in _OPEN]
    return opened


@check("AV-ENDPOINT-1", scope=Scope.REGION, title="Endpoint security groups admit no 0.0.0.0/0")
def endpoint_groups_closed(ctx: Context) -> list[Finding]:
    """No security group attached to an interface endpoint of the integration's VPCs has an
    ingress rule from ``0.0.0.0/0`` or ``::/0``."""
    stack, vpcs = stack_vpcs(ctx)
    if stack is None or not vpcs:
        return []
    assert ctx.region is not None
    endpoints = vpc_endpoints(ctx, vpcs)
    users: dict[str, list[str]] = {}
    for endpoint in endpoints:
        for group in endpoint.get("Groups", []):
            users.setdefault(group["GroupId"], []).append(endpoint["VpcEndpointId"])
    if not users:
        return [ctx.ok("AV-ENDPOINT-1", ",".join(vpcs), "no security group is attached to a VPC endpoint")]
    groups = ctx.account().items(
        "ec2", ctx.region, "describe_security_groups", "SecurityGroups", GroupIds=sorted(users)
    )
    findings = []
    for group in sorted(groups, key=lambda g: g["GroupId"]):
        opened = _open_rules(group)
        used_by = ", ".join(sorted(users.get(group["GroupId"], [])))
        if opened:
            findings.append(
                ctx.drift(
                    "AV-ENDPOINT-1",
                    group["GroupId"],
                    f"ingress from {'; '.join(opened)} on a security group of {used_by}; "
                    "remove the rule, endpoints admit declared sources only",
                )
            )
        else:
            findings.append(ctx.ok("AV-ENDPOINT-1", group["GroupId"], f"no open ingress (used by {used_by})"))
    return findings


def _group_id(stack: DeployedStack, value: Any) -> str | None:
    """A security group id from a template value: literal, ``Ref`` or ``Fn::GetAtt [sg, GroupId]``."""
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        logical, attribute = value["Fn::GetAtt"]
        return stack.physical_id(logical) if attribute == "GroupId" else None
    return stack.resolve(value)


def _stack_groups(stack: DeployedStack, service_name: str, endpoint_type: str | None = None) -> set[str] | None:
    """The security groups the deployed template gives its endpoint for ``service_name`` (of
    ``endpoint_type`` when given; None when it declares no such endpoint)."""
    declared = [
        props
        for body in stack.template_resources("AWS::EC2::VPCEndpoint").values()
        if (props := body.get("Properties", {})).get("ServiceName") == service_name
        and endpoint_type in (None, props.get("VpcEndpointType", endpoint_type))
    ]
    if not declared:
        return None
    return {
        group
        for props in declared
        for value in props.get("SecurityGroupIds") or []
        if (group := _group_id(stack, value)) is not None
    }


def _wanted_groups(stack: DeployedStack, want: ExpectedEndpoint) -> set[str] | None:
    if want.security_groups_from_stack:
        return _stack_groups(stack, want.service_name, want.endpoint_type)
    return {group if group.startswith("sg-") else (stack.physical_id(group) or group) for group in want.security_groups}


@check("AV-ENDPOINT-2", scope=Scope.REGION, title="Declared endpoints exist with the expected security groups")
def expected_endpoints(ctx: Context) -> list[Finding]:
    """Each endpoint the network builder declares for the integration and region (the
    vendor's PrivateLink endpoints, the AWS service endpoints) exists in its VPC, with
    exactly the security groups the integration stack gives it."""
    assert ctx.integration is not None and ctx.region is not None
    expected = ctx.expectations.endpoints.get((ctx.integration.name, ctx.region), ())
    stack, vpcs = stack_vpcs(ctx)
    if not expected or stack is None:
        return []
    live: dict[str, list[dict[str, Any]]] = {}
    for endpoint in sorted(vpc_endpoints(ctx, vpcs), key=lambda e: str(e.get("VpcEndpointId"))):
        live.setdefault(str(endpoint.get("ServiceName")), []).append(endpoint)
    findings = []
    for want in expected:
        candidates = [
            e
            for e in live.get(want.service_name, [])
            if want.endpoint_type in (None, e.get("VpcEndpointType", want.endpoint_type))
        ]
        if not candidates:
            findings.append(
                ctx.missing(
                    "AV-ENDPOINT-2",
                    want.service_name,
                    "no endpoint for this service in the VPC; redeploy the integration stack",
                )
            )
            continue
        wanted = _wanted_groups(stack, want)
        if wanted is None:
            findings.append(
                ctx.drift(
                    "AV-ENDPOINT-2",
                    candidates[0]["VpcEndpointId"],
                    f"the deployed stack {stack.name} declares no endpoint for {want.service_name}, the spec does; "
                    "redeploy the integration stack",
                )
            )
            continue
        # Another endpoint to the same service (someone's own) does not hide the declared one.
        groups = [(e, {group["GroupId"] for group in e.get("Groups", [])}) for e in candidates]
        endpoint, actual = next(((e, g) for e, g in groups if g == wanted), groups[0])
        resource = endpoint["VpcEndpointId"]
        if actual == wanted:
            shown = ", ".join(sorted(actual)) or "no security group (a gateway endpoint)"
            findings.append(ctx.ok("AV-ENDPOINT-2", resource, f"{want.service_name} with {shown}"))
            continue
        parts = []
        if wanted - actual:
            parts.append(f"lacks {', '.join(sorted(wanted - actual))}")
        if actual - wanted:
            parts.append(f"has undeclared {', '.join(sorted(actual - wanted))}")
        findings.append(
            ctx.drift("AV-ENDPOINT-2", resource, f"{want.service_name}: security groups {'; '.join(parts)}")
        )
    return findings
