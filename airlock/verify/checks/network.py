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


def expected_flow_logs(stack: DeployedStack) -> dict[str, list[dict[str, Any]]]:
    """VPC id -> the flow logs it must have (destination type and target, traffic type), from the template.

    A VPC may have several: the stack's CloudWatch Logs group and, where declared, a copy to a
    central S3 archive. Each must exist on its own.
    """
    expected: dict[str, list[dict[str, Any]]] = {}
    for body in stack.template_resources("AWS::EC2::FlowLog").values():
        props = body.get("Properties", {})
        vpc_id = stack.resolve(props.get("ResourceId"))
        if vpc_id and props.get("ResourceType") == "VPC":
            kind = props.get("LogDestinationType", "cloud-watch-logs")
            target = stack.resolve(props.get("LogGroupName" if kind == "cloud-watch-logs" else "LogDestination"))
            expected.setdefault(vpc_id, []).append(
                {"type": kind, "target": target, "traffic_type": props.get("TrafficType", "ALL")}
            )
    return expected


def _delivers_to(flow: dict[str, Any], want: dict[str, Any]) -> bool:
    if want["target"] is None:
        return True
    if want["type"] == "cloud-watch-logs":
        return bool(flow.get("LogGroupName") == want["target"])
    return bool(flow.get("LogDestination") == want["target"])


@check("AV-FLOWLOG-1", scope=Scope.REGION, title="VPCs have active flow logs of all traffic to the expected group")
def flow_logs(ctx: Context) -> list[Finding]:
    """Every VPC of the integration stack has each flow log its stack declares, ACTIVE, recording
    TrafficType ALL and delivering to the declared destination (the stack's flow-log group,
    and the central archive where one is declared)."""
    stack, vpcs = stack_vpcs(ctx)
    if stack is None:
        return []
    if not vpcs:
        if ctx.integration is not None and ctx.integration.network is None:
            return []  # no network declared: no VPC, no flow log to expect
        return [ctx.missing("AV-FLOWLOG-1", stack.name, "the stack has no VPC; redeploy it")]
    expected = expected_flow_logs(stack)
    live = _ec2(ctx, "describe_flow_logs", "FlowLogs", Filters=[{"Name": "resource-id", "Values": vpcs}])
    findings = []
    for vpc_id in vpcs:
        wants = expected.get(vpc_id)
        if not wants:
            findings.append(
                ctx.drift("AV-FLOWLOG-1", vpc_id, "the deployed stack declares no flow log for this VPC; redeploy it")
            )
            continue
        others = [flow for flow in live if flow.get("ResourceId") == vpc_id]
        for want in wants:
            target = want["target"]
            good = [
                flow
                for flow in others
                if flow.get("FlowLogStatus") == "ACTIVE"
                and flow.get("TrafficType") == "ALL"
                and _delivers_to(flow, want)
            ]
            if good:
                findings.append(ctx.ok("AV-FLOWLOG-1", vpc_id, f"flow log {good[0]['FlowLogId']} (ALL) to {target}"))
            elif not others:
                findings.append(
                    ctx.missing(
                        "AV-FLOWLOG-1", vpc_id, f"the VPC has no flow log; expected one of ALL traffic to {target}"
                    )
                )
            elif not [f for f in others if f.get("LogDestinationType", "cloud-watch-logs") == want["type"]]:
                findings.append(
                    ctx.missing(
                        "AV-FLOWLOG-1", vpc_id, f"no {want['type']} flow log; expected one of ALL traffic to {target}"
                    )
                )
            else:
                seen = ", ".join(
                    f"{f['FlowLogId']} {f.get('FlowLogStatus')} {f.get('TrafficType')} to "
                    f"{f.get('LogGroupName') or f.get('LogDestination')}"
                    for f in others
                )
                findings.append(
                    ctx.drift("AV-FLOWLOG-1", vpc_id, f"no active flow log of ALL traffic to {target}; found {seen}")
                )
    return findings


def _no_attachment(
    check_id: str,
    what: str,
    find: Callable[[Context, list[str]], list[tuple[str, str]]],
    *,
    egress_type: str | None = None,
) -> Callable[[Context], list[Finding]]:
    """A check that ``what`` is attached to none of the integration's VPCs.

    With ``egress_type``, an integration that declares filtered egress may have exactly the
    ones of that CloudFormation type its own stack created (the firewall's path out); any
    other is still drift.
    """

    def run(ctx: Context) -> list[Finding]:
        stack, vpcs = stack_vpcs(ctx)
        if stack is None or not vpcs:
            return []
        declared: set[str] = set()
        network = ctx.integration.network if ctx.integration is not None else None
        egress = network is not None and network.egress is not None
        if egress_type is not None and egress:
            declared = set(stack.physical_ids(egress_type))
        found = [(resource_id, vpc_id) for resource_id, vpc_id in find(ctx, vpcs) if resource_id not in declared]
        if not found:
            note = f"only the declared filtered-egress {what}s" if declared else f"no {what}"
            return [ctx.ok(check_id, ",".join(vpcs), f"{note} in the VPC")]
        because = "not created by the integration stack" if egress else "and the spec declares none"
        return [
            ctx.drift(check_id, resource_id, f"{what} {resource_id} is attached to {vpc_id}, {because}; remove it")
            for resource_id, vpc_id in found
        ]

    run.__doc__ = (
        f"No {what} is attached to any VPC of the integration stack, except those its own stack made "
        "for declared filtered egress."
        if egress_type
        else f"No {what} is attached to any VPC of the integration stack (none is declared)."
    )
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
    _no_attachment("AV-EGRESS-1", "internet gateway", _internet_gateways, egress_type="AWS::EC2::InternetGateway")
)
check("AV-EGRESS-2", scope=Scope.REGION, title="No egress-only internet gateway in the integration's VPCs")(
    _no_attachment("AV-EGRESS-2", "egress-only internet gateway", _egress_only_gateways)
)
check("AV-EGRESS-3", scope=Scope.REGION, title="No NAT gateway in the integration's VPCs")(
    _no_attachment("AV-EGRESS-3", "NAT gateway", _nat_gateways, egress_type="AWS::EC2::NatGateway")
)
check("AV-EGRESS-4", scope=Scope.REGION, title="No VPC peering connection of the integration's VPCs")(
    _no_attachment("AV-EGRESS-4", "VPC peering connection", _peerings)
)
check("AV-EGRESS-5", scope=Scope.REGION, title="No transit gateway attachment of the integration's VPCs")(
    _no_attachment("AV-EGRESS-5", "transit gateway attachment", _tgw_attachments)
)
