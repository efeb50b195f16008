"""The example's network, deployed into the emulator and read back with boto3.

What the emulator does NOT enforce, so the template tests in tests/unit cover it:
- placement by ``AvailabilityZoneId``: moto's CloudFormation ignores it, so these stacks were
  synthesized with the spec's optional ``network.az_names`` taken from the emulator's own
  DescribeAvailabilityZones (see the ``emulator_example_synth`` fixture); the subnets' AZ IDs
  below are what the emulator reports for the AZ names it was given;
- AWS Network Firewall, Route 53 Resolver DNS Firewall and query logging, the endpoint
  service and its permissions: moto's CloudFormation skips these types (and the routes
  that read a firewall endpoint id are removed before deploying);
- the NLB's type (moto makes an application load balancer) and its TCP listeners;
- security-group rules and endpoint policies are stored, not evaluated; a security group's
  ``SecurityGroupEgress`` from CloudFormation is ignored (moto keeps its default allow-all
  egress rule), and an endpoint policy comes back in Python's repr rather than JSON;
- subnet/route-table associations made by CloudFormation are not listed by
  DescribeRouteTables.
"""

from __future__ import annotations

import ast
import json

import pytest

from airlock.spec import load
from airlock.spec.regions import region_of_az_id
from tests.conftest import EXAMPLE_SPEC

pytestmark = pytest.mark.integration

SPEC = load(EXAMPLE_SPEC)


def _policy(text: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # the emulator returns a policy given in a template as a Python repr
        return ast.literal_eval(text)


def _vpc(emulator, deployed_example, stack_name):
    summary, stack = deployed_example[stack_name]
    ec2 = emulator.client("ec2", summary.account, summary.region)
    return ec2, emulator.outputs(stack)["VpcId"]


@pytest.mark.parametrize(
    ("stack_name", "integration"),
    [("airlock-crm-eu-central-1", "crm"), ("airlock-events-eu-west-1", "events")],
)
def test_workload_subnets_are_in_the_declared_az_ids(emulator, deployed_example, stack_name, integration):
    ec2, vpc_id = _vpc(emulator, deployed_example, stack_name)
    declared = list(SPEC.integration(integration).network.az_ids)
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    workload = [s for s in subnets if "/isolated-" in {t["Key"]: t["Value"] for t in s.get("Tags", [])}.get("Name", "")]
    assert sorted(s["AvailabilityZoneId"] for s in workload) == sorted(declared)
    for subnet in workload:
        assert subnet["MapPublicIpOnLaunch"] is False
        assert region_of_az_id(subnet["AvailabilityZoneId"]) == deployed_example[stack_name][0].region


def test_vendor_endpoint_sits_only_in_the_shared_az_ids_behind_its_own_security_group(emulator, deployed_example):
    ec2, vpc_id = _vpc(emulator, deployed_example, "airlock-crm-eu-central-1")
    declared = SPEC.integration("crm").network.vendor_endpoints[0]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    (endpoint,) = [e for e in endpoints if e["ServiceName"] == declared.service_name]
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["PrivateDnsEnabled"] is False
    subnets = ec2.describe_subnets(SubnetIds=endpoint["SubnetIds"])["Subnets"]
    assert sorted(s["AvailabilityZoneId"] for s in subnets) == ["euc1-az1", "euc1-az2"]
    interfaces = ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])
    assert len(interfaces["NetworkInterfaces"]) == 2

    (group_ref,) = endpoint["Groups"]
    (group,) = ec2.describe_security_groups(GroupIds=[group_ref["GroupId"]])["SecurityGroups"]
    assert group["GroupName"] != "default"
    ingress = [(p["FromPort"], p["ToPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p["IpRanges"]]
    assert ingress == [(443, 443, "10.20.0.0/22")]
    # Egress (none) is asserted on the template: the emulator ignores SecurityGroupEgress.


def test_service_endpoints_exist_with_organization_fenced_policies(emulator, deployed_example, example_spec):
    ec2, vpc_id = _vpc(emulator, deployed_example, "airlock-crm-eu-central-1")
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    services = {e["ServiceName"]: e for e in endpoints if e["ServiceName"].startswith("com.amazonaws.eu-central-1.")}
    assert sorted(services) == [f"com.amazonaws.eu-central-1.{s}" for s in ("kms", "logs", "sqs", "sts")]
    for endpoint in services.values():
        assert endpoint["Groups"], endpoint["ServiceName"]
        (statement,) = _policy(endpoint["PolicyDocument"])["Statement"]
        assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == example_spec.organization.organization_id
        assert statement["Condition"]["StringEquals"]["aws:ResourceAccount"] == ["210000000001"]


def test_flow_logs_go_to_the_log_group_and_the_archive_bucket(emulator, deployed_example):
    ec2, vpc_id = _vpc(emulator, deployed_example, "airlock-crm-eu-central-1")
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    by_type = {f["LogDestinationType"]: f for f in flow_logs}
    assert sorted(by_type) == ["cloud-watch-logs", "s3"]
    assert by_type["s3"]["LogDestination"] == SPEC.integration("crm").network.flow_log_archive_bucket
    for flow_log in flow_logs:
        assert flow_log["TrafficType"] == "ALL"
        assert flow_log["MaxAggregationInterval"] == 60
        assert "${pkt-src-aws-service}" in flow_log["LogFormat"]


@pytest.mark.parametrize("stack_name", ["airlock-crm-eu-central-1", "airlock-payroll-eu-central-1"])
def test_privatelink_only_integrations_have_no_way_out(emulator, deployed_example, stack_name):
    ec2, vpc_id = _vpc(emulator, deployed_example, stack_name)
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc_id]}]
    assert (
        ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
        == []
    )
    assert ec2.describe_nat_gateways(Filters=vpc_filter)["NatGateways"] == []
    peering = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert [p for p in peering if vpc_id in (p["RequesterVpcInfo"]["VpcId"], p["AccepterVpcInfo"]["VpcId"])] == []
    routes = [r for t in ec2.describe_route_tables(Filters=vpc_filter)["RouteTables"] for r in t["Routes"]]
    assert [r for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"] == []


def test_filtered_egress_has_a_nat_gateway_per_az_in_public_subnets(emulator, deployed_example):
    ec2, vpc_id = _vpc(emulator, deployed_example, "airlock-events-eu-west-1")
    (gateway,) = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
        "InternetGateways"
    ]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    subnets = ec2.describe_subnets(SubnetIds=[n["SubnetId"] for n in nats])["Subnets"]
    assert sorted(s["AvailabilityZoneId"] for s in subnets) == ["euw1-az1", "euw1-az2"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.20.10.128/25", "10.20.11.128/25"]
    # Each AZ has its own table to the internet gateway and its own table to its NAT gateway
    # (the emulator does not list which subnet each table is associated with).
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    to_igw = [
        t["RouteTableId"] for t in tables for r in t["Routes"] if r.get("GatewayId") == gateway["InternetGatewayId"]
    ]
    to_nat = [t["RouteTableId"] for t in tables for r in t["Routes"] if r.get("NatGatewayId")]
    assert len(to_igw) == len(set(to_igw)) == 2
    assert sorted(r["NatGatewayId"] for t in tables for r in t["Routes"] if r.get("NatGatewayId")) == sorted(
        n["NatGatewayId"] for n in nats
    )
    assert not set(to_igw) & set(to_nat)
