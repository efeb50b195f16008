"""The VPCs of an integration: flow logs on, and no path out of the account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airlock.verify.context import Context
from airlock.verify.discovery import DeployedStack, deployed_stack
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

VPC = "AWS::EC2::VPC"


def stack_vpcs(ctx: Context) -> tuple[DeployedStack | None, list[str]]:
    stack = deployed_stack(ctx)
    return stack, (stack.physical_ids(VPC) if stack else [])


def _ec2(ctx: Context, method: str, key: str, **params: Any) -> list[dict[str, Any]]:
    assert ctx.region is not None
    return ctx.account().items("ec2", ctx.region, method, key, **params)


def expected_flow_logs(stack: DeployedStack) -> dict[str, dict[str, Any]]:
    """VPC id -> what its flow log must be (log group name, traffic type), from the template."""
    expected: dict[str, dict[str, Any]] = {}
    for body in stack.template_resources("AWS::EC2::FlowLog").values():
        props = body.get("Properties", {})
        vpc_id = stack.resolve(props.get("ResourceId"))
        if vpc_id and props.get("ResourceType") == "VPC":
            expected[vpc_id] = {
                "log_group": stack.resolve(props.get("LogGroupName")),
                "traffic_type": props.get("TrafficType", "ALL"),
            }
    return expected


@check("AV-FLOWLOG-1", scope=Scope.REGION, title="VPCs have active flow logs of all traffic to the expected group")
def flow_logs(ctx: Context) -> list[Finding]:
    """Every VPC of the integration stack has a flow log that is ACTIVE, records TrafficType
    ALL and delivers to the stack's flow-log group."""
    stack, vpcs = stack_vpcs(ctx)
    if stack is None:
        return []
    if not vpcs:
        return [ctx.missing("AV-FLOWLOG-1", stack.name, "the stack has no VPC; redeploy it")]
    expected = expected_flow_logs(stack)
    live = _ec2(ctx, "describe_flow_logs", "FlowLogs", Filters=[{"Name": "resource-id", "Values": vpcs}])
    findings = []
    for vpc_id in vpcs:
        want = expected.get(vpc_id)
        group = want["log_group"] if want else None
        if want is None:
            findings.append(
                ctx.drift("AV-FLOWLOG-1", vpc_id, "the deployed stack declares no flow log for this VPC; redeploy it")
            )
            continue
        good = [
            flow
            for flow in live
            if flow.get("ResourceId") == vpc_id
            and flow.get("FlowLogStatus") == "ACTIVE"
            and flow.get("TrafficType") == "ALL"
            and (group is None or flow.get("LogGroupName") == group)
        ]
        if good:
            findings.append(ctx.ok("AV-FLOWLOG-1", vpc_id, f"flow log {good[0]['FlowLogId']} (ALL) to {group}"))
            continue
        others = [flow for flow in live if flow.get("ResourceId") == vpc_id]
        if not others:
            findings.append(
                ctx.missing("AV-FLOWLOG-1", vpc_id, f"the VPC has no flow log; expected one of ALL traffic to {group}")
            )
        else:
            seen = ", ".join(
                f"{f['FlowLogId']} {f.get('FlowLogStatus')} {f.get('TrafficType')} to "
                f"{f.get('LogGroupName') or f.get('LogDestination')}"
                for f in others
            )
            findings.append(
                ctx.drift("AV-FLOWLOG-1", vpc_id, f"no active flow log of ALL traffic to {group}; found {seen}")
            )
    return findings


def _no_attachment(
    check_id: str,
    what: str,
    find: Callable[[Context, list[str]], list[tuple[str, str]]],
) -> Callable[[Context], list[Finding]]:
    def run(ctx: Context) -> list[Finding]:
        stack, vpcs = stack_vpcs(ctx)
        if stack is None or not vpcs:
            return []
        found = find(ctx, vpcs)
        if not found:
            return [ctx.ok(check_id, ",".join(vpcs), f"no {what} in the VPC")]
        return [
            ctx.drift(
                check_id,
                resource_id,
                f"{what} {resource_id} is attached to {vpc_id}, and the spec declares none; remove it",
            )
            for resource_id, vpc_id in found
        ]

    run.__doc__ = f"No {what} is attached to any VPC of the integration stack (none is declared)."
    return run


def _internet_gateways(ctx: Context, vpcs: list[str]) -> list[tuple[str, str]]:
    gateways = _ec2(
        ctx, "describe_internet_gateways", "InternetGateways", Filters=[{"Name": "attachment.vpc-id", "Values": vpcs}]
    )
    return [
        (gateway["InternetGatewayId"], attachment["VpcId"])
        for gateway in gateways
        for attachment in gateway.get("Attachments", [])
        if attachment.get("VpcId") in vpcs
    ]


def _egress_only_gateways(ctx: Context, vpcs: list[str]) -> list[tuple[str, str]]:
    gateways = _ec2(ctx, "describe_egress_only_internet_gateways", "EgressOnlyInternetGateways")
    return [
        (gateway["EgressOnlyInternetGatewayId"], attachment["VpcId"])
        for gateway in gateways
        for attachment in gateway.get("Attachments", [])
        if attachment.get("VpcId") in vpcs
    ]


def _nat_gateways(ctx: Context, vpcs: list[str]) -> list[tuple[str, str]]:
    gateways = _ec2(ctx, "describe_nat_gateways", "NatGateways", Filter=[{"Name": "vpc-id", "Values": vpcs}])
    return [
        (gateway["NatGatewayId"], gateway["VpcId"])
        for gateway in gateways
        if gateway.get("VpcId") in vpcs and gateway.get("State") not in ("deleted", "deleting", "failed")
    ]


_LIVE_PEERING = ("initiating-request", "pending-acceptance", "provisioning", "active")


def _peerings(ctx: Context, vpcs: list[str]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for side in ("requester-vpc-info", "accepter-vpc-info"):
        connections = _ec2(
            ctx,
            "describe_vpc_peering_connections",
            "VpcPeeringConnections",
            Filters=[{"Name": f"{side}.vpc-id", "Values": vpcs}],
        )
        for connection in connections:
            if connection.get("Status", {}).get("Code") not in _LIVE_PEERING:
                continue
            for info in ("RequesterVpcInfo", "AccepterVpcInfo"):
                vpc_id = connection.get(info, {}).get("VpcId")
                if vpc_id in vpcs:
                    found[connection["VpcPeeringConnectionId"]] = vpc_id
    return sorted(found.items())


def _tgw_attachments(ctx: Context, vpcs: list[str]) -> list[tuple[str, str]]:
    attachments = _ec2(
        ctx,
        "describe_transit_gateway_vpc_attachments",
        "TransitGatewayVpcAttachments",
        Filters=[{"Name": "vpc-id", "Values": vpcs}],
    )
    return [
        (attachment["TransitGatewayAttachmentId"], attachment["VpcId"])
        for attachment in attachments
        if attachment.get("VpcId") in vpcs and attachment.get("State") not in ("deleted", "deleting", "rejected")
    ]


check("AV-EGRESS-1", scope=Scope.REGION, title="No internet gateway in the integration's VPCs")(
    _no_attachment("AV-EGRESS-1", "internet gateway", _internet_gateways)
)
check("AV-EGRESS-2", scope=Scope.REGION, title="No egress-only internet gateway in the integration's VPCs")(
    _no_attachment("AV-EGRESS-2", "egress-only internet gateway", _egress_only_gateways)
)
check("AV-EGRESS-3", scope=Scope.REGION, title="No NAT gateway in the integration's VPCs")(
    _no_attachment("AV-EGRESS-3", "NAT gateway", _nat_gateways)
)
check("AV-EGRESS-4", scope=Scope.REGION, title="No VPC peering connection of the integration's VPCs")(
    _no_attachment("AV-EGRESS-4", "VPC peering connection", _peerings)
)
check("AV-EGRESS-5", scope=Scope.REGION, title="No transit gateway attachment of the integration's VPCs")(
    _no_attachment("AV-EGRESS-5", "transit gateway attachment", _tgw_attachments)
)
