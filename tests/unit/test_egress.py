"""FilteredEgress: Network Firewall domain allow-list and the routes that force traffic through it."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from airlock.constructs import FilteredEgress, IsolatedVpc, egress_layout
from tests.unit.network_helpers import own_vpc


@pytest.fixture(scope="module")
def template():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    vpc = own_vpc(stack)
    FilteredEgress(
        stack,
        "Egress",
        vpc=vpc,
        allowed_domains=["api.vendor.example", ".updates.vendor.example"],
        protected_subnets=vpc.isolated_subnets,
        firewall_subnet_cidrs=["10.1.200.0/28", "10.1.200.16/28"],
        public_subnet_cidrs=["10.1.201.0/28", "10.1.201.16/28"],
    )
    return Template.from_stack(stack)


def test_rule_group_is_a_strict_order_domain_allow_list_on_sni_and_host(template):
    template.has_resource_properties(
        "AWS::NetworkFirewall::RuleGroup",
        {
            "Type": "STATEFUL",
            "RuleGroup": {
                "RulesSource": {
                    "RulesSourceList": {
                        "GeneratedRulesType": "ALLOWLIST",
                        "TargetTypes": ["TLS_SNI", "HTTP_HOST"],
                        "Targets": ["api.vendor.example", ".updates.vendor.example"],
                    }
                },
                "StatefulRuleOptions": {"RuleOrder": "STRICT_ORDER"},
            },
        },
    )


def test_policy_drops_by_default_in_strict_order(template):
    template.has_resource_properties(
        "AWS::NetworkFirewall::FirewallPolicy",
        {
            "FirewallPolicy": Match.object_like(
                {
                    "StatefulDefaultActions": ["aws:drop_established", "aws:alert_established"],
                    "StatefulEngineOptions": {"RuleOrder": "STRICT_ORDER"},
                    "StatelessDefaultActions": ["aws:forward_to_sfe"],
                }
            )
        },
    )


def test_alert_and_flow_logs_go_to_encrypted_log_groups(template):
    (logging,) = list(template.find_resources("AWS::NetworkFirewall::LoggingConfiguration").values())[:1]
    configs = logging["Properties"]["LoggingConfiguration"]["LogDestinationConfigs"]
    assert sorted(c["LogType"] for c in configs) == ["ALERT", "FLOW"]
    assert {c["LogDestinationType"] for c in configs} == {"CloudWatchLogs"}
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert len(groups) == 2
    for group in groups.values():
        assert "KmsKeyId" in group["Properties"]


def test_one_firewall_and_nat_per_az_with_protection_on(template):
    template.resource_count_is("AWS::NetworkFirewall::Firewall", 2)
    template.resource_count_is("AWS::EC2::NatGateway", 2)
    template.resource_count_is("AWS::EC2::InternetGateway", 1)
    template.all_resources_properties(
        "AWS::NetworkFirewall::Firewall",
        {"DeleteProtection": True, "FirewallPolicyChangeProtection": True, "SubnetChangeProtection": True},
    )


def test_protected_subnets_reach_the_internet_only_through_the_firewall(template):
    routes = [r["Properties"] for r in template.find_resources("AWS::EC2::Route").values()]
    defaults = [r for r in routes if r["DestinationCidrBlock"] == "0.0.0.0/0"]
    to_firewall = [r for r in defaults if "VpcEndpointId" in r]
    to_nat = [r for r in defaults if "NatGatewayId" in r]
    to_igw = [r for r in defaults if "GatewayId" in r]
    assert (len(to_firewall), len(to_nat), len(to_igw)) == (2, 2, 2)
    # The protected subnets' own route tables send 0.0.0.0/0 to the firewall endpoint...
    protected_tables = {str(r["RouteTableId"]) for r in to_firewall}
    assert all("OwnVpcappSubnet" in table for table in protected_tables)
    # ...and replies from the NAT come back through it.
    returns = [r for r in routes if r["DestinationCidrBlock"] != "0.0.0.0/0"]
    assert len(returns) == 2 and all("VpcEndpointId" in r for r in returns)


@pytest.mark.parametrize(
    ("domains", "message"),
    [
        (["*.vendor.example"], "write '.vendor.example'"),
        ([], "allowed_domains is empty"),
        (["Vendor.Example"], "write lowercase names"),
    ],
)
def test_bad_domains_raise(bare_stack, domains, message):
    stack = bare_stack()
    vpc = own_vpc(stack)
    with pytest.raises(ValueError, match=message):
        FilteredEgress(
            stack,
            "Egress",
            vpc=vpc,
            allowed_domains=domains,
            protected_subnets=vpc.isolated_subnets,
            firewall_subnet_cidrs=["10.1.200.0/28", "10.1.200.16/28"],
            public_subnet_cidrs=["10.1.201.0/28", "10.1.201.16/28"],
        )


def test_layout_keeps_workload_firewall_and_public_subnets_apart():
    layout = egress_layout("10.0.0.0/22", 3)
    assert layout.workload == ("10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/25")
    assert layout.firewall == ("10.0.1.128/26", "10.0.2.0/26", "10.0.2.128/26")
    assert layout.public == ("10.0.1.192/26", "10.0.2.64/26", "10.0.2.192/26")
    with pytest.raises(ValueError, match="too small for 6 subnets"):
        egress_layout("10.0.0.0/27", 2)


def test_egress_on_an_isolated_vpc_places_its_subnets_by_az_id(bare_stack):
    stack = bare_stack()
    layout = egress_layout("10.0.0.0/22", 2)
    network = IsolatedVpc(
        stack, "Network", cidr="10.0.0.0/22", az_ids=["euc1-az1", "euc1-az2"], subnet_cidrs=layout.workload
    )
    FilteredEgress(
        stack,
        "Egress",
        vpc=network.vpc,
        allowed_domains=[".vendor.example"],
        protected_subnets=network.vpc.isolated_subnets,
        firewall_subnet_cidrs=layout.firewall,
        public_subnet_cidrs=layout.public,
    )
    subnets = Template.from_stack(stack).find_resources("AWS::EC2::Subnet")
    placed = sorted((s["Properties"]["AvailabilityZoneId"], s["Properties"]["CidrBlock"]) for s in subnets.values())
    assert placed == [
        ("euc1-az1", "10.0.0.0/24"),
        ("euc1-az1", "10.0.2.0/25"),
        ("euc1-az1", "10.0.2.128/25"),
        ("euc1-az2", "10.0.1.0/24"),
        ("euc1-az2", "10.0.3.0/25"),
        ("euc1-az2", "10.0.3.128/25"),
    ]


def test_only_the_nat_subnets_are_excluded_from_block_public_access_and_only_for_egress(template):
    """Under the OU's bidirectional VPC Block Public Access, the NAT gateways' subnets alone may
    reach the internet, outbound only (``allow-egress``: AWS::EC2::VPCBlockPublicAccessExclusion)."""
    exclusions = [r["Properties"] for r in template.find_resources("AWS::EC2::VPCBlockPublicAccessExclusion").values()]
    nat_subnets = [r["Properties"]["SubnetId"] for r in template.find_resources("AWS::EC2::NatGateway").values()]
    assert len(exclusions) == 2
    assert {e["InternetGatewayExclusionMode"] for e in exclusions} == {"allow-egress"}
    assert sorted(str(e["SubnetId"]) for e in exclusions) == sorted(str(s) for s in nat_subnets)
    assert all("VpcId" not in e for e in exclusions)
