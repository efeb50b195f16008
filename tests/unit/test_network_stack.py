"""The network half of every integration stack of the example: invariants over the templates."""

from __future__ import annotations

import json

import pytest

from airlock.constructs import FLOW_LOG_FIELDS, default_security_group_users

INTEGRATION_STACKS = ["airlock-crm-eu-central-1", "airlock-payroll-eu-central-1", "airlock-events-eu-west-1"]
PRIVATELINK_ONLY = ["airlock-crm-eu-central-1", "airlock-payroll-eu-central-1"]
WAYS_OUT = [
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::EC2::VPCPeeringConnection",
    "AWS::EC2::TransitGatewayAttachment",
    "AWS::EC2::TransitGatewayVpcAttachment",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::VPNGateway",
    "AWS::NetworkFirewall::Firewall",
]


@pytest.mark.parametrize("stack", PRIVATELINK_ONLY)
@pytest.mark.parametrize("forbidden", WAYS_OUT)
def test_privatelink_only_integration_has_no_way_out(example_assembly, stack, forbidden):
    assert example_assembly.resources(stack, forbidden) == {}


@pytest.mark.parametrize("stack", PRIVATELINK_ONLY)
def test_privatelink_only_integration_has_no_default_route(example_assembly, stack):
    routes = example_assembly.resources(stack, "AWS::EC2::Route")
    assert [r for r in routes.values() if r["Properties"].get("DestinationCidrBlock") == "0.0.0.0/0"] == []


def test_filtered_egress_routes_every_default_route_of_a_workload_subnet_through_the_firewall(example_assembly):
    stack = "airlock-events-eu-west-1"
    template = example_assembly.template(stack)
    resources = template["Resources"]
    workload_tables = {
        a["Properties"]["RouteTableId"]["Ref"]
        for a in example_assembly.resources(stack, "AWS::EC2::SubnetRouteTableAssociation").values()
        if "/isolated-" in json.dumps(resources[a["Properties"]["SubnetId"]["Ref"]]["Properties"].get("Tags"))
    }
    assert len(workload_tables) == 2
    defaults = [
        r["Properties"]
        for r in example_assembly.resources(stack, "AWS::EC2::Route").values()
        if r["Properties"]["DestinationCidrBlock"] == "0.0.0.0/0"
    ]
    from_workload = [r for r in defaults if r["RouteTableId"]["Ref"] in workload_tables]
    assert len(from_workload) == 2
    for route in from_workload:
        assert set(route) == {"RouteTableId", "DestinationCidrBlock", "VpcEndpointId"}
        assert "EndpointIds" in json.dumps(route["VpcEndpointId"])
    # The internet gateway is reached only from tables of no workload subnet.
    to_igw = [r for r in defaults if "GatewayId" in r]
    assert to_igw and all(r["RouteTableId"]["Ref"] not in workload_tables for r in to_igw)


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_every_interface_endpoint_has_explicit_groups_without_the_internet(example_assembly, stack):
    endpoints = example_assembly.resources(stack, "AWS::EC2::VPCEndpoint")
    interfaces = [e for e in endpoints.values() if e["Properties"]["VpcEndpointType"] == "Interface"]
    resources = example_assembly.template(stack)["Resources"]
    for endpoint in interfaces:
        groups = endpoint["Properties"]["SecurityGroupIds"]
        assert groups
        for group in groups:
            logical = group["Fn::GetAtt"][0]
            assert resources[logical]["Type"] == "AWS::EC2::SecurityGroup"
    for group in example_assembly.resources(stack, "AWS::EC2::SecurityGroup").values():
        rules = group["Properties"].get("SecurityGroupIngress", []) + group["Properties"].get("SecurityGroupEgress", [])
        assert all(rule.get("CidrIp") != "0.0.0.0/0" and rule.get("CidrIpv6") != "::/0" for rule in rules)
    for kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        for rule in example_assembly.resources(stack, kind).values():
            assert rule["Properties"].get("CidrIp") != "0.0.0.0/0"


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_nothing_uses_the_default_security_group(example_assembly, stack):
    assert default_security_group_users(example_assembly.template(stack)) == []


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_every_endpoint_service_requires_acceptance_and_names_its_principals(example_assembly, stack):
    for service in example_assembly.resources(stack, "AWS::EC2::VPCEndpointService").values():
        assert service["Properties"]["AcceptanceRequired"] is True
    for permissions in example_assembly.resources(stack, "AWS::EC2::VPCEndpointServicePermissions").values():
        principals = permissions["Properties"]["AllowedPrincipals"]
        assert principals and all("*" not in p for p in principals)


def test_crm_exposes_its_api_to_the_vendor_account_only(example_assembly):
    (permissions,) = example_assembly.resources(
        "airlock-crm-eu-central-1", "AWS::EC2::VPCEndpointServicePermissions"
    ).values()
    assert permissions["Properties"]["AllowedPrincipals"] == ["arn:aws:iam::900000000011:root"]


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_every_vpc_has_a_flow_log_of_all_traffic_every_minute_with_the_v5_fields(example_assembly, stack):
    vpcs = example_assembly.resources(stack, "AWS::EC2::VPC")
    flow_logs = [f["Properties"] for f in example_assembly.resources(stack, "AWS::EC2::FlowLog").values()]
    for vpc in vpcs:
        mine = [f for f in flow_logs if f["ResourceId"] == {"Ref": vpc}]
        assert any(f["LogDestinationType"] == "cloud-watch-logs" for f in mine)
        for flow_log in mine:
            assert flow_log["TrafficType"] == "ALL"
            assert flow_log["MaxAggregationInterval"] == 60
            fields = flow_log["LogFormat"].replace("${", "").replace("}", "").split()
            assert tuple(fields) == FLOW_LOG_FIELDS
            for required in ("flow-direction", "pkt-src-aws-service", "az-id", "tcp-flags"):
                assert required in fields


@pytest.mark.parametrize("stack", INTEGRATION_STACKS)
def test_every_vpc_has_a_dns_firewall_and_query_logging(example_assembly, stack):
    assert len(example_assembly.resources(stack, "AWS::Route53Resolver::FirewallRuleGroupAssociation")) == 1
    assert len(example_assembly.resources(stack, "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation")) == 1


def test_dns_allow_list_carries_vendor_egress_and_service_endpoint_names(example_assembly):
    lists = example_assembly.resources("airlock-events-eu-west-1", "AWS::Route53Resolver::FirewallDomainList")
    domains = sorted(d for domain_list in lists.values() for d in domain_list["Properties"]["Domains"])
    assert "ingest.pulsewire.example" in domains
    assert "*.updates.pulsewire.example" in domains
    assert "sqs.eu-west-1.amazonaws.com" in domains
    assert "*" in domains


def test_vendor_endpoint_sits_in_the_az_ids_both_sides_offer(example_assembly):
    stack = "airlock-crm-eu-central-1"
    resources = example_assembly.template(stack)["Resources"]
    (endpoint,) = [
        e
        for e in example_assembly.resources(stack, "AWS::EC2::VPCEndpoint").values()
        if "vpce-svc" in e["Properties"]["ServiceName"]
    ]
    zones = sorted(resources[s["Ref"]]["Properties"]["AvailabilityZoneId"] for s in endpoint["Properties"]["SubnetIds"])
    assert zones == ["euc1-az1", "euc1-az2"]


def test_architecture_is_recorded_in_the_template_metadata(example_assembly):
    metadata = example_assembly.template("airlock-crm-eu-central-1")["Metadata"]["airlock:deployment-architecture"]
    assert metadata["integration"] == "crm"
    assert [r["az_ids"] for r in metadata["regions"]] == [["euc1-az1", "euc1-az2", "euc1-az3"]]
