"""An application team's own VPC (no airlock construct, no spec), for construct tests."""

from __future__ import annotations

from typing import Any


def own_vpc(stack: Any) -> Any:
    """A plain ``ec2.Vpc`` with two isolated subnets, placed without any lookup."""
    from aws_cdk import aws_ec2 as ec2

    return ec2.Vpc(
        stack,
        "OwnVpc",
        ip_addresses=ec2.IpAddresses.cidr("10.1.0.0/16"),
        availability_zones=["eu-central-1a", "eu-central-1b"],
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )


def security_group_rules(template: Any, group_logical_id: str) -> tuple[list[dict], list[dict]]:
    """Ingress and egress rules of one security group, inline or as separate resources."""
    resources = template.to_json()["Resources"]
    group = resources[group_logical_id]["Properties"]
    ingress = list(group.get("SecurityGroupIngress", []))
    egress = list(group.get("SecurityGroupEgress", []))
    for resource in resources.values():
        ref = resource.get("Properties", {}).get("GroupId")
        if ref in ({"Fn::GetAtt": [group_logical_id, "GroupId"]}, {"Ref": group_logical_id}):
            if resource["Type"] == "AWS::EC2::SecurityGroupIngress":
                ingress.append(resource["Properties"])
            elif resource["Type"] == "AWS::EC2::SecurityGroupEgress":
                egress.append(resource["Properties"])
    return ingress, egress
