"""An isolated VPC placed by AZ ID, with flow logs that are on from the first minute."""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from airlock.compliance.acknowledge import acknowledge
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

    The default security group keeps the rules EC2 gives it (CloudFormation cannot remove
    them without a Lambda-backed custom resource); nothing airlock makes uses it, and
    :func:`default_security_group_users` finds anything in a template that does.

    :param cidr: IPv4 CIDR of the VPC, as a literal (e.g. ``10.20.0.0/22``); split evenly
        across the AZ IDs.
    :param az_ids: AZ IDs (``euc1-az1``) to place one isolated subnet in each; at least two.
    :param subnet_cidrs: one CIDR per AZ ID, inside ``cidr``. Default: ``cidr`` split evenly.
    :param az_names: AZ ID -> AZ name of the account the stack deploys to. Default: none, and
        subnets are placed by ``AvailabilityZoneId``, the same zone in every account. Only for
        tools that cannot place by AZ ID (a local emulator); the mapping differs per account.
    :param flow_log_retention: retention of the flow-log group. Default: one year.
    :param archive_bucket_arn: also deliver flow logs (same fields, 60 s) to this S3 bucket,
        e.g. a central log-archive bucket in another account, whose policy must admit
        ``delivery.logs.amazonaws.com`` for this account. Default: none.
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
        subnet_cidrs: Sequence[str] | None = None,
        az_names: Mapping[str, str] | None = None,
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        archive_bucket_arn: str | None = None,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        if len(az_ids) < 2:
            raise ValueError(f"az_ids {list(az_ids)} has fewer than two AZ IDs; give at least two for availability")
        if len(set(az_ids)) != len(az_ids):
            raise ValueError(f"az_ids {list(az_ids)} lists an AZ ID twice; list each once")
        if subnet_cidrs is None:
            try:
                subnet_cidrs = split_cidr(cidr, len(az_ids))
            except ValueError as exc:
                raise ValueError(
                    f"cidr '{cidr}' cannot hold {len(az_ids)} subnets: {exc}; use a larger block"
                ) from None
        elif len(subnet_cidrs) != len(az_ids):
            raise ValueError(f"subnet_cidrs {list(subnet_cidrs)} needs one CIDR per AZ ID {list(az_ids)}")
        else:
            for subnet_cidr in subnet_cidrs:
                if not ipaddress.IPv4Network(subnet_cidr).subnet_of(ipaddress.IPv4Network(cidr)):
                    raise ValueError(
                        f"subnet_cidrs contains '{subnet_cidr}', outside cidr '{cidr}'; use blocks inside it"
                    )
        az_names = dict(az_names or {})
        missing = [az for az in az_ids if az not in az_names]
        if az_names and missing:
            raise ValueError(f"az_names has no name for {missing}; map every AZ ID or give no az_names")
        self.az_names = az_names
        if az_names:
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:az-names",
                "subnets are placed by AZ name (az_names given), not by AZ ID; AZ names differ per account, so "
                "this template is right only for the account whose mapping was given",
            )

        self.az_ids = tuple(az_ids)
        self.cidr = cidr
        self.resource = ec2.CfnVPC(
            self, "Resource", cidr_block=cidr, enable_dns_hostnames=True, enable_dns_support=True
        )
        cdk.Tags.of(self.resource).add("Name", self.node.path)

        subnets_scope = Construct(self, "Subnets")
        self.subnet_ids: list[str] = []
        self.route_table_ids: list[str] = []
        self.subnet_cidrs = tuple(subnet_cidrs)
        for az_id, subnet_cidr in zip(self.az_ids, subnet_cidrs, strict=True):
            holder = Construct(subnets_scope, az_id)
            subnet = ec2.CfnSubnet(
                holder,
                "Subnet",
                vpc_id=self.resource.ref,
                cidr_block=subnet_cidr,
                availability_zone_id=None if az_names else az_id,
                availability_zone=az_names.get(az_id),
                map_public_ip_on_launch=False,
            )
            cdk.Tags.of(subnet).add("Name", f"{self.node.path}/isolated-{az_id}")
            if az_names:
                acknowledge_az_name(subnet)
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
            availability_zones=[az_names.get(az, az) for az in self.az_ids],
            isolated_subnet_ids=self.subnet_ids,
            isolated_subnet_route_table_ids=self.route_table_ids,
            isolated_subnet_ipv4_cidr_blocks=list(self.subnet_cidrs),
        )
        #: The isolated subnet of each AZ ID.
        self.subnets_by_az_id: dict[str, ec2.ISubnet] = dict(zip(self.az_ids, self.vpc.isolated_subnets, strict=True))

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
        self.archive_flow_log: ec2.CfnFlowLog | None = None
        if archive_bucket_arn is not None:
            if not archive_bucket_arn.startswith("arn:aws:s3:::"):
                raise ValueError(
                    f"archive_bucket_arn '{archive_bucket_arn}' is not an S3 bucket ARN; use 'arn:aws:s3:::<bucket>'"
                )
            self.archive_flow_log = ec2.CfnFlowLog(
                self,
                "ArchiveFlowLog",
                resource_id=self.resource.ref,
                resource_type="VPC",
                traffic_type="ALL",
                log_destination_type="s3",
                log_destination=archive_bucket_arn,
                log_format=FLOW_LOG_FORMAT,
                max_aggregation_interval=60,
                destination_options={
                    "FileFormat": "parquet",
                    "HiveCompatiblePartitions": True,
                    "PerHourPartition": True,
                },
            )

    @property
    def vpc_id(self) -> str:
        return self.resource.ref


def default_security_group_users(template: Mapping[str, Any]) -> list[str]:
    """Logical IDs of resources in a synthesized template that use a VPC's default security group.

    The default group keeps EC2's rules (removing them needs a Lambda-backed custom resource),
    so the project's rule is that nothing may use it: every interface gets an explicit group.
    A resource that references ``Fn::GetAtt [<vpc>, DefaultSecurityGroup]``, or an endpoint,
    load balancer or instance without explicit security groups, is reported.
    """
    needs_groups = {
        "AWS::EC2::VPCEndpoint": "SecurityGroupIds",
        "AWS::ElasticLoadBalancingV2::LoadBalancer": "SecurityGroups",
        "AWS::EC2::Instance": "SecurityGroupIds",
        "AWS::Lambda::Function": None,
    }
    users = []
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties", {})
        if "DefaultSecurityGroup" in json.dumps(properties):
            users.append(logical_id)
            continue
        kind = resource.get("Type")
        if kind == "AWS::EC2::VPCEndpoint" and properties.get("VpcEndpointType") != "Interface":
            continue
        if kind == "AWS::ElasticLoadBalancingV2::LoadBalancer" and properties.get("Type") == "gateway":
            continue
        if kind == "AWS::Lambda::Function":
            if "VpcConfig" in properties and not properties["VpcConfig"].get("SecurityGroupIds"):
                users.append(logical_id)
            continue
        key = needs_groups.get(kind)
        if key is not None and not properties.get(key):
            users.append(logical_id)
    return sorted(users)


def acknowledge_az_name(subnet: ec2.CfnSubnet) -> None:
    """Acknowledge the validator's hard-coded-AZ warning on a subnet placed by an explicit AZ name."""
    acknowledge(
        subnet,
        "CloudFormation-Validate::W3010",
        reason="Placed by the AZ name the caller mapped from the AZ ID for this account (az_names), "
        "for a tool that cannot place a subnet by AZ ID.",
    )
