"""PrivateLink both ways: VendorEndpoint (consumer) and ExposedService (provider)."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from airlock.constructs import ExposedService, VendorEndpoint
from tests.unit.network_helpers import own_vpc, security_group_rules

SERVICE = "com.amazonaws.vpce.eu-central-1.vpce-svc-0123456789abcdef0"


@pytest.fixture(scope="module")
def consumer():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    vpc = own_vpc(stack)
    endpoint = VendorEndpoint(
        stack,
        "Vendor",
        vpc=vpc,
        service_name=SERVICE,
        ports=[443, 8443],
        sources=["10.1.0.0/24", "10.2.0.0/16"],
        subnets=vpc.isolated_subnets[:1],
    )
    return endpoint, Template.from_stack(stack)


def test_endpoint_is_an_interface_to_the_named_service_in_the_chosen_subnets(consumer):
    _, template = consumer
    template.has_resource_properties(
        "AWS::EC2::VPCEndpoint",
        {
            "ServiceName": SERVICE,
            "VpcEndpointType": "Interface",
            "PrivateDnsEnabled": False,
        },
    )
    (resource,) = template.find_resources("AWS::EC2::VPCEndpoint").values()
    assert len(resource["Properties"]["SubnetIds"]) == 1


def test_endpoint_security_group_admits_only_declared_ports_from_declared_sources(consumer):
    _, template = consumer
    (resource,) = template.find_resources("AWS::EC2::VPCEndpoint").values()
    (group_ref,) = resource["Properties"]["SecurityGroupIds"]
    ingress, egress = security_group_rules(template, group_ref["Fn::GetAtt"][0])
    admitted = sorted((rule["CidrIp"], rule["FromPort"], rule["ToPort"]) for rule in ingress)
    assert admitted == [
        ("10.1.0.0/24", 443, 443),
        ("10.1.0.0/24", 8443, 8443),
        ("10.2.0.0/16", 443, 443),
        ("10.2.0.0/16", 8443, 8443),
    ]
    # allow_all_outbound=False: CDK's placeholder rule that matches no traffic, nothing else.
    assert [rule["CidrIp"] for rule in egress] == ["255.255.255.255/32"]


@pytest.mark.parametrize("source", ["0.0.0.0/0", "::/0", "8.8.8.0/24"])
def test_endpoint_refuses_sources_beyond_the_private_network(bare_stack, source):
    stack = bare_stack()
    with pytest.raises(ValueError, match=f"sources contains '{source}'"):
        VendorEndpoint(stack, "Vendor", vpc=own_vpc(stack), service_name=SERVICE, ports=[443], sources=[source])


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"service_name": "com.amazonaws.eu-central-1.sqs"}, "is not an endpoint service name"),
        ({"ports": []}, "ports is empty"),
        ({"ports": [0]}, "ports contains 0"),
        ({"sources": []}, "sources is empty"),
    ],
)
def test_endpoint_raises_for_impossible_props(bare_stack, props, message):
    stack = bare_stack()
    base = {"service_name": SERVICE, "ports": [443], "sources": ["10.1.0.0/16"]}
    with pytest.raises(ValueError, match=message):
        VendorEndpoint(stack, "Vendor", vpc=own_vpc(stack), **{**base, **props})


@pytest.fixture(scope="module")
def provider():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    service = ExposedService(
        stack,
        "Api",
        vpc=own_vpc(stack),
        ports=[443],
        target_ips=["10.1.0.10", "10.1.128.10"],
        allowed_principals=["arn:aws:iam::900000000011:root", "arn:aws:iam::900000000012:role/caller"],
    )
    return service, Template.from_stack(stack)


def test_endpoint_service_requires_acceptance_and_names_its_principals(provider):
    _, template = provider
    template.has_resource_properties(
        "AWS::EC2::VPCEndpointService",
        {"AcceptanceRequired": True, "NetworkLoadBalancerArns": [Match.any_value()]},
    )
    (permissions,) = template.find_resources("AWS::EC2::VPCEndpointServicePermissions").values()
    assert permissions["Properties"]["AllowedPrincipals"] == [
        "arn:aws:iam::900000000011:root",
        "arn:aws:iam::900000000012:role/caller",
    ]


def test_nlb_is_internal_and_forwards_tcp_to_the_ip_targets(provider):
    _, template = provider
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Type": "network",
            "Scheme": "internal",
            "LoadBalancerAttributes": Match.array_with(
                [
                    {"Key": "deletion_protection.enabled", "Value": "true"},
                    {"Key": "load_balancing.cross_zone.enabled", "Value": "true"},
                ]
            ),
        },
    )
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::Listener", {"Port": 443, "Protocol": "TCP"})
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "TargetType": "ip",
            "Protocol": "TCP",
            "Targets": [{"Id": "10.1.0.10"}, {"Id": "10.1.128.10"}],
        },
    )


def test_nlb_security_group_reaches_only_the_targets(provider):
    _, template = provider
    group_id = template.to_json()["Resources"]
    logical = next(k for k, v in group_id.items() if v["Type"] == "AWS::EC2::SecurityGroup")
    ingress, egress = security_group_rules(template, logical)
    assert sorted(rule["CidrIp"] for rule in egress) == ["10.1.0.10/32", "10.1.128.10/32"]
    assert all(rule.get("CidrIp") != "0.0.0.0/0" for rule in ingress + egress)


@pytest.mark.parametrize("principal", ["*", "arn:aws:iam::*:root", "arn:aws:iam::900000000011:role/*", "900000000011"])
def test_endpoint_service_refuses_unnamed_principals(bare_stack, principal):
    stack = bare_stack()
    with pytest.raises(ValueError, match="never '\\*' or a wildcard"):
        ExposedService(
            stack, "Api", vpc=own_vpc(stack), ports=[443], target_ips=["10.1.0.10"], allowed_principals=[principal]
        )


def test_endpoint_service_needs_principals(bare_stack):
    stack = bare_stack()
    with pytest.raises(ValueError, match="allowed_principals is empty"):
        ExposedService(stack, "Api", vpc=own_vpc(stack), ports=[443], target_ips=["10.1.0.10"], allowed_principals=[])


def test_metrics_name_the_endpoint_and_the_load_balancer(consumer, provider):
    endpoint, _ = consumer
    metric = endpoint.metric_bytes_processed()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/PrivateLinkEndpoints",
        "BytesProcessed",
        "Sum",
    )
    assert set(metric.dimensions) == {"VPC Id", "VPC Endpoint Id", "Endpoint Type", "Service Name"}
    service, _ = provider
    assert service.metric_active_flow_count().metric_name == "ActiveFlowCount"
    assert service.metric_unhealthy_host_count().metric_name == "UnHealthyHostCount"


def test_endpoint_names_without_private_dns_are_the_endpoints_own_for_the_dns_allow_list(consumer):
    endpoint, _ = consumer
    assert endpoint.dns_names() == [".vpce-svc-0123456789abcdef0.eu-central-1.vpce.amazonaws.com"]


def test_with_private_dns_the_vendors_names_answer_and_none_are_added(bare_stack):
    stack = bare_stack()
    vpc = own_vpc(stack)
    endpoint = VendorEndpoint(
        stack, "Vendor", vpc=vpc, service_name=SERVICE, ports=[443], sources=["10.1.0.0/24"], private_dns=True
    )
    assert endpoint.dns_names() == []
