"""IsolatedVpc: placement by AZ ID, no way out, flow logs on."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from airlock.constructs import FLOW_LOG_FIELDS, IsolatedVpc, split_cidr


@pytest.fixture(scope="module")
def template():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    IsolatedVpc(stack, "Network", cidr="10.0.0.0/22", az_ids=["euc1-az1", "euc1-az2", "euc1-az3"])
    return Template.from_stack(stack)


def test_subnets_are_placed_by_az_id_and_split_the_cidr(template):
    subnets = template.find_resources("AWS::EC2::Subnet")
    placed = sorted((s["Properties"]["AvailabilityZoneId"], s["Properties"]["CidrBlock"]) for s in subnets.values())
    assert placed == [("euc1-az1", "10.0.0.0/24"), ("euc1-az2", "10.0.1.0/24"), ("euc1-az3", "10.0.2.0/24")]
    for subnet in subnets.values():
        assert "AvailabilityZone" not in subnet["Properties"]
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


@pytest.mark.parametrize(
    "forbidden",
    [
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::NatGateway",
        "AWS::EC2::EIP",
        "AWS::EC2::Route",
        "AWS::EC2::VPCPeeringConnection",
        "AWS::EC2::TransitGatewayAttachment",
        "AWS::EC2::EgressOnlyInternetGateway",
    ],
)
def test_no_path_out_of_the_vpc(template, forbidden):
    template.resource_count_is(forbidden, 0)


def test_flow_log_captures_all_traffic_every_minute_with_v5_fields(template):
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "MaxAggregationInterval": 60,
            "LogDestinationType": "cloud-watch-logs",
        },
    )
    (flow_log,) = template.find_resources("AWS::EC2::FlowLog").values()
    fields = flow_log["Properties"]["LogFormat"].replace("${", "").replace("}", "").split()
    for required in ("flow-direction", "pkt-src-aws-service", "az-id", "tcp-flags", "traffic-path"):
        assert required in fields
    assert tuple(fields) == FLOW_LOG_FIELDS


def test_flow_log_group_is_encrypted_and_retained(template):
    template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"KmsKeyId": Match.any_value(), "RetentionInDays": 365},
            "DeletionPolicy": "Retain",
        },
    )
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_flow_log_key_lets_only_this_accounts_logs_use_it(template):
    (key,) = template.find_resources("AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (logs_statement,) = [s for s in statements if s["Principal"].get("Service") == "logs.eu-central-1.amazonaws.com"]
    condition = json.dumps(logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert ":logs:eu-central-1:123456789012:log-group:*" in condition


def test_delivery_role_trusts_only_flow_logs_of_this_account(template):
    (role,) = template.find_resources("AWS::IAM::Role").values()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert "vpc-flow-log/*" in str(statement["Condition"]["ArnLike"]["aws:SourceArn"])


def test_vpc_is_usable_as_ivpc(bare_stack):
    from aws_cdk import aws_ec2 as ec2

    stack = bare_stack()
    network = IsolatedVpc(stack, "Network", cidr="10.0.0.0/24", az_ids=["euc1-az1", "euc1-az2"])
    group = ec2.SecurityGroup(stack, "Group", vpc=network.vpc, allow_all_outbound=False)
    assert group.node.scope is stack
    assert len(network.vpc.isolated_subnets) == 2


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cidr": "10.0.0.0/24", "az_ids": ["euc1-az1"]}, "fewer than two AZ IDs"),
        ({"cidr": "10.0.0.0/24", "az_ids": ["euc1-az1", "euc1-az1"]}, "lists an AZ ID twice"),
        ({"cidr": "10.0.0.0/28", "az_ids": ["euc1-az1", "euc1-az2"]}, "cannot hold 2 subnets"),
    ],
)
def test_impossible_props_raise_in_the_constructor(bare_stack, props, message):
    with pytest.raises(ValueError, match=message):
        IsolatedVpc(bare_stack(), "Network", **props)


def test_split_cidr_rounds_up_to_a_power_of_two():
    assert split_cidr("10.0.0.0/22", 3) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert split_cidr("10.0.0.0/23", 2) == ["10.0.0.0/24", "10.0.1.0/24"]


def test_az_names_place_subnets_by_name_with_a_warning(bare_stack):
    from aws_cdk.assertions import Annotations

    stack = bare_stack()
    IsolatedVpc(
        stack,
        "Network",
        cidr="10.0.0.0/24",
        az_ids=["euc1-az1", "euc1-az2"],
        az_names={"euc1-az1": "eu-central-1b", "euc1-az2": "eu-central-1a"},
    )
    subnets = Template.from_stack(stack).find_resources("AWS::EC2::Subnet")
    assert sorted(s["Properties"]["AvailabilityZone"] for s in subnets.values()) == ["eu-central-1a", "eu-central-1b"]
    assert all("AvailabilityZoneId" not in s["Properties"] for s in subnets.values())
    Annotations.from_stack(stack).has_warning("/Bare/Network", Match.string_like_regexp("placed by AZ name"))


def test_az_names_must_cover_every_az_id(bare_stack):
    with pytest.raises(ValueError, match="az_names has no name for \\['euc1-az2'\\]"):
        IsolatedVpc(
            bare_stack(), "Network", cidr="10.0.0.0/24", az_ids=["euc1-az1", "euc1-az2"], az_names={"euc1-az1": "x"}
        )


def test_archive_bucket_gets_a_second_flow_log_with_the_same_fields(bare_stack):
    stack = bare_stack()
    IsolatedVpc(
        stack,
        "Network",
        cidr="10.0.0.0/24",
        az_ids=["euc1-az1", "euc1-az2"],
        archive_bucket_arn="arn:aws:s3:::central-log-archive",
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::FlowLog", 2)
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "LogDestinationType": "s3",
            "LogDestination": "arn:aws:s3:::central-log-archive",
            "TrafficType": "ALL",
            "MaxAggregationInterval": 60,
            "LogFormat": " ".join(f"${{{f}}}" for f in FLOW_LOG_FIELDS),
        },
    )


def test_explicit_subnet_cidrs_must_lie_inside_the_vpc(bare_stack):
    with pytest.raises(ValueError, match=r"outside cidr '10\.0\.0\.0/24'"):
        IsolatedVpc(
            bare_stack(),
            "Network",
            cidr="10.0.0.0/24",
            az_ids=["euc1-az1", "euc1-az2"],
            subnet_cidrs=["10.0.0.0/25", "10.9.0.0/25"],
        )


def test_default_security_group_users_finds_interfaces_without_an_explicit_group():
    from airlock.constructs import default_security_group_users

    template = {
        "Resources": {
            "Good": {
                "Type": "AWS::EC2::VPCEndpoint",
                "Properties": {"VpcEndpointType": "Interface", "SecurityGroupIds": ["sg"]},
            },
            "Gateway": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Gateway"}},
            "Bare": {"Type": "AWS::EC2::VPCEndpoint", "Properties": {"VpcEndpointType": "Interface"}},
            "Default": {
                "Type": "AWS::EC2::SecurityGroupIngress",
                "Properties": {"GroupId": {"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}},
            },
            "Nlb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Type": "network"}},
        }
    }
    assert default_security_group_users(template) == ["Bare", "Default", "Nlb"]
