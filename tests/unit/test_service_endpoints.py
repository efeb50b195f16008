"""ServiceEndpoints: AWS service endpoints that cannot carry data to a foreign account."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from airlock.constructs import ServiceEndpoints
from tests.unit.network_helpers import own_vpc, security_group_rules


@pytest.fixture(scope="module")
def built():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    endpoints = ServiceEndpoints(
        stack, "Endpoints", vpc=own_vpc(stack), services=["sqs", "kms", "s3"], principal_org_id="o-a1b2c3d4e5"
    )
    return endpoints, Template.from_stack(stack)


def test_one_endpoint_per_service_interface_or_gateway(built):
    _, template = built
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint")
    kinds = sorted((e["Properties"]["ServiceName"], e["Properties"]["VpcEndpointType"]) for e in endpoints.values())
    assert kinds == [
        ("com.amazonaws.eu-central-1.kms", "Interface"),
        ("com.amazonaws.eu-central-1.s3", "Gateway"),
        ("com.amazonaws.eu-central-1.sqs", "Interface"),
    ]


def test_every_endpoint_policy_admits_only_the_organization_to_this_accounts_resources(built):
    _, template = built
    for endpoint in template.find_resources("AWS::EC2::VPCEndpoint").values():
        (statement,) = endpoint["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Condition"] == {
            "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:ResourceAccount": ["123456789012"]}
        }


def test_interface_endpoints_have_private_dns_and_an_https_only_group(built):
    _, template = built
    interfaces = [
        e["Properties"]
        for e in template.find_resources("AWS::EC2::VPCEndpoint").values()
        if e["Properties"]["VpcEndpointType"] == "Interface"
    ]
    for properties in interfaces:
        assert properties["PrivateDnsEnabled"] is True
        (group_ref,) = properties["SecurityGroupIds"]
        ingress, egress = security_group_rules(template, group_ref["Fn::GetAtt"][0])
        assert [(r["FromPort"], r["ToPort"]) for r in ingress] == [(443, 443)]
        assert "0.0.0.0/0" not in [r.get("CidrIp") for r in ingress + egress]


def test_dns_names_cover_the_services(built):
    endpoints, _ = built
    assert "sqs.eu-central-1.amazonaws.com" in endpoints.dns_names()
    assert ".s3.eu-central-1.amazonaws.com" in endpoints.dns_names()


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"principal_org_id": "r-a1b2"}, "principal_org_id 'r-a1b2' is not an organization id"),
        ({"services": []}, "services is empty"),
        ({"resource_accounts": ["*"]}, "resource_accounts contains '\\*'"),
        ({"sources": ["0.0.0.0/0"]}, "sources contains '0.0.0.0/0'"),
    ],
)
def test_impossible_props_raise(bare_stack, props, message):
    stack = bare_stack()
    base = {"services": ["sqs"], "principal_org_id": "o-a1b2c3d4e5"}
    with pytest.raises(ValueError, match=message):
        ServiceEndpoints(stack, "Endpoints", vpc=own_vpc(stack), **{**base, **props})


def test_widening_the_resource_accounts_warns(bare_stack):
    from aws_cdk.assertions import Annotations, Match

    stack = bare_stack()
    ServiceEndpoints(
        stack,
        "Endpoints",
        vpc=own_vpc(stack),
        services=["sqs"],
        principal_org_id="o-a1b2c3d4e5",
        resource_accounts=["123456789012", "210000000001"],
    )
    Annotations.from_stack(stack).has_warning("/Bare/Endpoints", Match.string_like_regexp("210000000001"))
