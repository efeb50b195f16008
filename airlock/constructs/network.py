"""An isolated VPC placed by AZ ID, with flow logs that are on from the first minute."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from airlock.constructs._keys import log_encryption_key

#: Flow-log record format: every v2-v5 field that says who talked to whom, where and how.
FLOW_LOG_FIELDS: tuple[str, ...] = (
    "version",
    "account-id",
    "interface-id",
    "srcaddr",
    "dstaddr",
    "srcport",
    "dstport",
    "protocol",
    "packets",
    "bytes",
    "start",
    "end",
    "action",
    "log-status",
    "vpc-id",
    "subnet-id",
    "instance-id",
    "tcp-flags",
    "type",
    "pkt-srcaddr",
    "pkt-dstaddr",
    "region",
    "az-id",
    "sublocation-type",
    "sublocation-id",
    "pkt-src-aws-service",
    "pkt-dst-aws-service",
    "flow-direction",
    "traffic-path",
)
FLOW_LOG_FORMAT = " ".join(f"${{{field}}}" for field in FLOW_LOG_FIELDS)


def split_cidr(cidr: str, count: int) -> list[str]:
    """Split ``cidr`` into ``count`` equal subnets (rounded up to a power of two), in order."""
    if count < 1:
        raise ValueError(f"count {count} must be at least 1")
    network = ipaddress.IPv4Network(cidr)
    extra_bits = max(1, math.ceil(math.log2(count)))
    new_prefix = network.prefixlen + extra_bits
    if new_prefix > 28:
        raise ValueError(f"cidr '{cidr}' is too small for {count} subnets; each would be /{new_prefix}, below /28")
    return [str(subnet) for subnet in list(network.subnets(new_prefix=new_prefix))[:count]]


class IsolatedVpc(Construct):
    """A VPC with isolated subnets only, one per AZ ID, and VPC flow logs.

    Subnets are placed with ``AvailabilityZoneId``, so the same physical zones are used in
    every account and no lookup is needed at synth time. There is no internet gateway, NAT
    gateway or route out of the VPC.

    :param cidr: IPv4 CIDR of the VPC, as a literal (e.g. ``10.20.0.0/22``); split evenly
        across the AZ IDs.
    :param az_ids: AZ IDs (``euc1-az1``) to place one isolated subnet in each; at least two.
    :param flow_log_retention: retention of the flow-log group. Default: one year.
    :param key: KMS key for the flow-log group. Default: a new customer-managed key with
        rotation whose policy lets CloudWatch Logs of this account and region use it.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        cidr: str,
        az_ids: Sequence[str],
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        if len(az_ids) < 2:
            raise ValueError(f"az_ids {list(az_ids)} has fewer than two AZ IDs; give at least two for availability")
        if len(set(az_ids)) != len(az_ids):
            raise ValueError(f"az_ids {list(az_ids)} lists an AZ ID twice; list each once")
        try:
            subnet_cidrs = split_cidr(cidr, len(az_ids))
        except ValueError as exc:
            raise ValueError(f"cidr '{cidr}' cannot hold {len(az_ids)} subnets: {exc}; use a larger block") from None

        self.az_ids = tuple(az_ids)
        self.cidr = cidr
        self.resource = ec2.CfnVPC(
            self, "Resource", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True
        )
        cdk.Tags.of(self.resource).add("Name", self.node.path)

        subnets_scope = Construct(self, "Subnets")
        self.subnet_ids: list[str] = []
        self.route_table_ids: list[str] = []
        for az_id, subnet_cidr in zip(self.az_ids, subnet_cidrs, strict=True):
            holder = Construct(subnets_scope, az_id)
            subnet = ec2.CfnSubnet(
                holder,
                "Subnet",
                vpc_id=self.resource.ref,
                cidr_block=subnet_cidr,
                availability_zone_id=az_id,
                map_public_ip_on_launch=False,
            )
            cdk.Tags.of(subnet).add("Name", f"{self.node.path}/isolated-{az_id}")
            route_table = ec2.CfnRouteTable(holder, "RouteTable", vpc_id=self.resource.ref)
            ec2.CfnSubnetRouteTableAssociation(
                holder, "RouteTableAssociation", subnet_id=subnet.ref, route_table_id=route_table.ref
            )
            self.subnet_ids.append(subnet.ref)
            self.route_table_ids.append(route_table.ref)

        #: The VPC as an ``ec2.IVpc`` for constructs that take one (endpoints, security groups).
        self.vpc: ec2.IVpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Imported",
            vpc_id=self.resource.ref,
            vpc_cidr_block=cidr,
            availability_zones=list(self.az_ids),
            isolated_subnet_ids=self.subnet_ids,
            isolated_subnet_route_table_ids=self.route_table_ids,
        )

        self.key = key or log_encryption_key(self, "FlowLogKey", description=f"Flow logs of {self.node.path}")
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogGroup",
            retention=flow_log_retention,
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        stack = cdk.Stack.of(self)
        self.flow_log_role = iam.Role(
            self,
            "FlowLogRole",
            description="Lets VPC Flow Logs of this account deliver to the flow-log group",
            assumed_by=iam.ServicePrincipal("vpc-flow-logs.amazonaws.com").with_conditions(
                {
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(service="ec2", resource="vpc-flow-log", resource_name="*")
                    },
                }
            ),
        )
        self.flow_log_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                resources=[self.flow_log_group.log_group_arn],
            )
        )
        self.flow_log = ec2.CfnFlowLog(
            self,
            "FlowLog",
            resource_id=self.resource.ref,
            resource_type="VPC",
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_group_name=self.flow_log_group.log_group_name,
            deliver_logs_permission_arn=self.flow_log_role.role_arn,
            log_format=FLOW_LOG_FORMAT,
            max_aggregation_interval=60,
        )

    @property
    def vpc_id(self) -> str:
        return self.resource.ref
