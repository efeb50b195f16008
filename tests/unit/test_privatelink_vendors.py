"""PrivateLink as vendors document it: port ranges, a hosted zone per vendor endpoint, DNS Firewall
resolvability of generated names, and the outputs handed back to the vendor."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from airlock.cli import main
from airlock.constructs.dns_firewall import (
    ALLOW_PRIORITY,
    BLOCK_PRIORITY,
    TRUSTED_PRIORITY,
    DnsFirewall,
    vpc_internal_domains,
)
from airlock.constructs.privatelink import VendorEndpoint, port_ranges
from airlock.constructs.privatelink_dns import VendorHostedZone, ZoneRecord
from airlock.spec import SpecError, validate
from tests.specs import dump, spec_data
from tests.unit.network_helpers import own_vpc, security_group_rules

SERVICE = "com.amazonaws.vpce.eu-central-1.vpce-svc-0123456789abcdef0"
ENDPOINT = {
    "name": "vendor-db",
    "service_name": SERVICE,
    "az_ids": ["euc1-az1"],
    "ports": [443],
    "sources": ["10.20.0.0/22"],
}
ZONE = {"name": "eu-central-1.aws.private.vendor.example", "records": [{"name": "*"}]}


def network(*endpoints: dict) -> dict:
    return {"cidr": "10.20.0.0/22", "az_ids": ["euc1-az1", "euc1-az2"], "vendor_endpoints": list(endpoints)}


def with_endpoints(*endpoints: dict) -> dict:
    return spec_data(**{"integrations.0.network": network(*endpoints)})


def issues_of(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


# -- the spec ---------------------------------------------------------------------------------


def test_ports_take_single_ports_and_ranges_as_vendors_document_them():
    spec = validate(
        with_endpoints(
            {**ENDPOINT, "ports": [443, 2443, "8443-8451"]}, {**ENDPOINT, "name": "atlas", "ports": ["1024-65535"]}
        )
    )
    first, second = spec.integrations[0].network.vendor_endpoints
    assert first.ports == [443, 2443, "8443-8451"]
    assert first.port_ranges() == [(443, 443), (2443, 2443), (8443, 8451)]
    assert second.port_ranges() == [(1024, 65535)]
    # A range of one port is that port.
    (same,) = validate(with_endpoints({**ENDPOINT, "ports": ["443-443"]})).integrations[0].network.vendor_endpoints
    assert same.ports == [443]


BAD_RANGES = {
    "includes-zero": ("0-1024", "includes port 0", "'1-1024'"),
    "reversed": ("8451-8443", "is reversed", "'8443-8451'"),
    "beyond-65535": ("1024-70000", "goes beyond 65535", "'1024-65535'"),
    "not-a-range": ("8443..8451", "is not a TCP port or port range", "'8443-8451'"),
}


@pytest.mark.parametrize("case", sorted(BAD_RANGES))
def test_a_bad_port_range_exits_2_with_a_fix_that_is_itself_valid(tmp_path, capsys, case):
    bad, problem, fix = BAD_RANGES[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(with_endpoints({**ENDPOINT, "ports": [bad]})))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if ": integrations[0].network.vendor_endpoints[0].ports[0]: " in line]
    assert problem in line and f"'{bad}'" in line and fix in line
    assert "Traceback" not in err and not out.exists()
    if case != "not-a-range":  # the fix the message names validates
        validate(with_endpoints({**ENDPOINT, "ports": [fix.strip("'")]}))


def test_overlapping_ports_are_refused():
    issues = issues_of(with_endpoints({**ENDPOINT, "ports": [443, "1-1024"]}))
    assert [path for path, _ in issues] == ["integrations[0].network.vendor_endpoints[0].ports"]
    assert "overlap" in issues[0][1] and "'1-1024'" in issues[0][1]


def test_a_hosted_zone_is_refused_beside_private_dns_with_a_valid_fix():
    issues = issues_of(with_endpoints({**ENDPOINT, "private_dns": True, "hosted_zone": ZONE}))
    messages = [m for path, m in issues if path == "integrations[0].network.vendor_endpoints[0].hosted_zone"]
    assert messages and "set private_dns: false" in messages[0]
    validate(with_endpoints({**ENDPOINT, "private_dns": False, "hosted_zone": ZONE}))


@pytest.mark.parametrize(
    ("zone", "path", "fragment"),
    [
        pytest.param(
            {"name": "vendor.example", "records": [{"name": "@"}]},
            "hosted_zone.records[0].type",
            "write type: ALIAS",
            id="cname-at-apex",
        ),
        pytest.param(
            {"name": "s3.eu-central-1.amazonaws.com", "records": [{"name": "*"}]},
            "hosted_zone.name",
            "is an AWS domain",
            id="aws-domain",
        ),
        pytest.param(
            {"name": ".vendor.example", "records": [{"name": "*"}]},
            "hosted_zone.name",
            "write the domain itself",
            id="leading-dot",
        ),
        pytest.param(
            {"name": "vendor.example", "records": [{"name": "a*"}]},
            "hosted_zone.records[0].name",
            "only a leftmost '*'",
            id="inner-wildcard",
        ),
        pytest.param(
            {"name": "vendor.example", "records": [{"name": "*"}, {"name": "*"}]},
            "hosted_zone.records",
            "listed twice",
            id="record-twice",
        ),
        pytest.param(
            {"name": "vendor.example", "records": [{"name": "*", "typ": "CNAME"}]},
            "hosted_zone.records[0].typ",
            "",
            id="typo-in-a-record",
        ),
        pytest.param({"name": "vendor.example", "records": []}, "hosted_zone.records", "", id="no-records"),
    ],
)
def test_bad_hosted_zones_name_the_field(zone, path, fragment):
    issues = issues_of(with_endpoints({**ENDPOINT, "hosted_zone": zone}))
    full = f"integrations[0].network.vendor_endpoints[0].{path}"
    messages = [m for p, m in issues if p == full]
    assert messages, issues
    assert any(fragment in m for m in messages), messages


def test_an_alias_at_the_apex_is_valid():
    zone = {"name": "vendor.example", "records": [{"name": "@", "type": "ALIAS"}, {"name": "*"}]}
    validate(with_endpoints({**ENDPOINT, "hosted_zone": zone}))


def test_two_zones_of_one_name_in_one_vpc_are_refused():
    second = {**ENDPOINT, "name": "vendor-api", "hosted_zone": ZONE}
    issues = issues_of(with_endpoints({**ENDPOINT, "hosted_zone": ZONE}, second))
    (message,) = [m for p, m in issues if p == "integrations[0].network.vendor_endpoints[1].hosted_zone.name"]
    assert "already the hosted zone of vendor_endpoints[0]" in message


@pytest.mark.parametrize("domain", [".in-addr.arpa", ".10.in-addr.arpa", ".eu-central-1.compute.internal"])
def test_reverse_lookup_and_ec2_internal_domains_are_refused_on_the_dns_list(domain):
    data = spec_data(
        **{
            "integrations.0.network": {
                "cidr": "10.20.0.0/22",
                "az_ids": ["euc1-az1", "euc1-az2"],
                "dns": {"allowed_domains": [".vendor.example", domain]},
            }
        }
    )
    (issue,) = issues_of(data)
    assert issue[0] == "integrations[0].network.dns.allowed_domains[1]"
    assert "resolve without listing them" in issue[1] and "remove it" in issue[1]


# -- the constructs ---------------------------------------------------------------------------


def _stack() -> tuple[cdk.Stack, ec2.Vpc]:
    stack = cdk.Stack(cdk.App(), "Own", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    return stack, own_vpc(stack)


def test_a_range_becomes_one_security_group_rule_from_its_first_to_its_last_port():
    stack, vpc = _stack()
    endpoint = VendorEndpoint(
        stack, "Db", vpc=vpc, service_name=SERVICE, ports=[443, "8443-8451", (1024, 2048)], sources=["10.1.0.0/16"]
    )
    assert endpoint.ports == [443, "1024-2048", "8443-8451"]
    template = Template.from_stack(stack)
    ingress, egress = security_group_rules(template, stack.get_logical_id(endpoint.security_group.node.default_child))
    assert sorted((r["FromPort"], r["ToPort"], r["Description"]) for r in ingress) == [
        (443, 443, "10.1.0.0/16 to 443"),
        (1024, 2048, "10.1.0.0/16 to 1024-2048"),
        (8443, 8451, "10.1.0.0/16 to 8443-8451"),
    ]
    assert {r["IpProtocol"] for r in ingress} == {"tcp"}
    assert [r for r in egress if r.get("CidrIp") == "0.0.0.0/0" and r.get("IpProtocol") == "-1"] == []


@pytest.mark.parametrize(
    ("ports", "fragment"),
    [
        ([0], "from 1 to 65535"),
        (["0-1024"], "from 1 to 65535"),
        (["1024-65536"], "from 1 to 65535"),
        (["8451-8443"], "reversed range"),
        ([(10, 5)], "reversed range"),
        ([443, "400-500"], "overlap"),
        ([True], "use TCP ports"),
        (["443,444"], "write a port"),
        ([], "ports is empty"),
    ],
)
def test_port_ranges_raise_for_impossible_ports(ports, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        port_ranges(ports)


def _zone_stack(records, private_dns=False):
    stack, vpc = _stack()
    endpoint = VendorEndpoint(
        stack,
        "Kafka",
        vpc=vpc,
        service_name=SERVICE,
        ports=[443, 9092],
        sources=["10.1.0.0/16"],
        private_dns=private_dns,
    )
    zone = VendorHostedZone(
        stack, "Zone", vpc=vpc, endpoint=endpoint, zone_name="eu-central-1.aws.private.vendor.example", records=records
    )
    return stack, endpoint, zone


def test_a_hosted_zone_is_private_to_the_vpc_and_its_records_point_at_the_endpoint():
    stack, endpoint, zone = _zone_stack([ZoneRecord("*"), ZoneRecord("@", "ALIAS")])
    template = Template.from_stack(stack)
    endpoint_id = stack.get_logical_id(endpoint.resource)
    template.has_resource_properties(
        "AWS::Route53::HostedZone",
        {
            "Name": "eu-central-1.aws.private.vendor.example.",
            "VPCs": [{"VPCId": {"Ref": Match.string_like_regexp("^OwnVpc")}, "VPCRegion": "eu-central-1"}],
        },
    )
    regional_name = {
        "Fn::Select": [1, {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": [endpoint_id, "DnsEntries"]}]}]}]
    }
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "Name": "*.eu-central-1.aws.private.vendor.example.",
            "Type": "CNAME",
            "ResourceRecords": [regional_name],
            "TTL": "300",
        },
    )
    template.has_resource_properties(
        "AWS::Route53::RecordSet",
        {
            "Name": "eu-central-1.aws.private.vendor.example.",
            "Type": "A",
            "AliasTarget": {
                "DNSName": regional_name,
                "HostedZoneId": {
                    "Fn::Select": [
                        0,
                        {"Fn::Split": [":", {"Fn::Select": [0, {"Fn::GetAtt": [endpoint_id, "DnsEntries"]}]}]},
                    ]
                },
            },
        },
    )
    assert zone.dns_names() == [".eu-central-1.aws.private.vendor.example", "eu-central-1.aws.private.vendor.example"]


@pytest.mark.parametrize(
    ("records", "private_dns", "fragment"),
    [
        ([ZoneRecord("*")], True, "has private DNS on"),
        ([ZoneRecord("@")], False, "CNAME at the apex"),
        ([], False, "records is empty"),
        ([ZoneRecord("*"), ZoneRecord("*")], False, "repeat a name"),
        ([ZoneRecord("a.*")], False, "write names relative to the zone"),
    ],
)
def test_a_hosted_zone_raises_for_impossible_props(records, private_dns, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        _zone_stack(records, private_dns=private_dns)


def test_declared_domains_inspect_cname_chains_and_generated_names_trust_them():
    stack, vpc = _stack()
    firewall = DnsFirewall(
        stack, "Dns", vpc=vpc, allowed_domains=[".vendor.example"], trusted_domains=[".vpce-svc-0.vpce.amazonaws.com"]
    )
    rules = Template.from_stack(stack).find_resources("AWS::Route53Resolver::FirewallRuleGroup")
    (group,) = rules.values()
    by_priority = {rule["Priority"]: rule for rule in group["Properties"]["FirewallRules"]}
    assert sorted(by_priority) == [ALLOW_PRIORITY, TRUSTED_PRIORITY, BLOCK_PRIORITY]
    # The declared list says so explicitly: every name a CNAME leads to must be allowed too.
    assert by_priority[ALLOW_PRIORITY]["FirewallDomainRedirectionAction"] == "INSPECT_REDIRECTION_DOMAIN"
    assert by_priority[TRUSTED_PRIORITY]["FirewallDomainRedirectionAction"] == "TRUST_REDIRECTION_DOMAIN"
    assert by_priority[TRUSTED_PRIORITY]["Action"] == "ALLOW"
    assert by_priority[BLOCK_PRIORITY]["Action"] == "BLOCK"
    assert firewall.trusted_domains == ["vpce-svc-0.vpce.amazonaws.com", "*.vpce-svc-0.vpce.amazonaws.com"]
    assert "*" not in firewall.trusted_domains and "*" not in firewall.allowed_domains


def test_no_trusted_rule_without_trusted_names():
    stack, vpc = _stack()
    DnsFirewall(stack, "Dns", vpc=vpc, allowed_domains=["api.vendor.example"])
    (group,) = Template.from_stack(stack).find_resources("AWS::Route53Resolver::FirewallRuleGroup").values()
    assert [r["Priority"] for r in group["Properties"]["FirewallRules"]] == [ALLOW_PRIORITY, BLOCK_PRIORITY]


@pytest.mark.parametrize(
    ("region", "cidr", "expected"),
    [
        (
            "eu-central-1",
            "10.20.0.0/23",
            [".eu-central-1.compute.internal", ".0.20.10.in-addr.arpa", ".1.20.10.in-addr.arpa"],
        ),
        ("us-east-1", "10.20.0.0/16", [".ec2.internal", ".20.10.in-addr.arpa"]),
        ("eu-west-1", "10.20.4.16/28", [".eu-west-1.compute.internal", ".4.20.10.in-addr.arpa"]),
    ],
)
def test_the_vpcs_own_names_are_its_region_and_its_cidrs_reverse_zones_only(region, cidr, expected):
    assert vpc_internal_domains(region, cidr) == expected


# -- the stacks -------------------------------------------------------------------------------


def _resources(template: dict, type_: str) -> dict:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _dns_lists(template: dict) -> dict[str, list[str]]:
    """Domains of each DNS Firewall rule, by its redirection action."""
    lists = _resources(template, "AWS::Route53Resolver::FirewallDomainList")
    (group,) = _resources(template, "AWS::Route53Resolver::FirewallRuleGroup").values()
    out = {}
    for rule in group["Properties"]["FirewallRules"]:
        listed = rule["FirewallDomainListId"]["Fn::GetAtt"][0]
        out[rule.get("FirewallDomainRedirectionAction", rule["Action"])] = lists[listed]["Properties"]["Domains"]
    return out


def test_the_confluent_stack_hosts_its_zone_and_trusts_only_generated_names(recipe_check):
    template = recipe_check("confluent-privatelink").assembly.template("airlock-streaming-eu-central-1")
    (zone,) = _resources(template, "AWS::Route53::HostedZone").values()
    assert zone["Properties"]["Name"] == "eu-central-1.aws.private.confluent.cloud."
    (record,) = _resources(template, "AWS::Route53::RecordSet").values()
    assert record["Properties"]["Name"] == "*.eu-central-1.aws.private.confluent.cloud."
    assert record["Properties"]["Type"] == "CNAME"
    lists = _dns_lists(template)
    trusted, inspected = lists["TRUST_REDIRECTION_DOMAIN"], lists.get("INSPECT_REDIRECTION_DOMAIN", [])
    assert {
        "*.eu-central-1.aws.private.confluent.cloud",
        "*.vpce-svc-0c6f7e8d9a0b1c2d3.eu-central-1.vpce.amazonaws.com",
        "*.eu-central-1.compute.internal",
        "*.8.30.10.in-addr.arpa",
        "*.9.30.10.in-addr.arpa",
    } <= set(trusted)
    reverse = {d for d in trusted if d.endswith("in-addr.arpa")}
    assert reverse == {
        "8.30.10.in-addr.arpa",
        "*.8.30.10.in-addr.arpa",
        "9.30.10.in-addr.arpa",
        "*.9.30.10.in-addr.arpa",
    }
    assert not [d for d in inspected if "vpce.amazonaws.com" in d]
    assert lists["BLOCK"] == ["*"]
    outputs = template["Outputs"]
    (endpoint_id,) = _resources(template, "AWS::EC2::VPCEndpoint")
    assert outputs["confluentgatewayVendorEndpointId"]["Value"] == {"Ref": endpoint_id}
    assert outputs["confluentgatewayVendorEndpointId"]["Description"].startswith("Hand this to the vendor")


def test_an_exposed_api_hands_back_its_endpoint_service_name(example_assembly):
    outputs = example_assembly.template("airlock-crm-eu-central-1")["Outputs"]
    value = outputs["orderstatusEndpointServiceName"]["Value"]
    assert value["Fn::Join"][1][0] == "com.amazonaws.vpce.eu-central-1."
    assert value["Fn::Join"][1][1]["Ref"].startswith("NetworkApiorderstatus")
    assert outputs["nimbusapiVendorEndpointId"]["Value"]["Ref"].startswith("NetworkVendornimbusapi")


def test_the_mongodb_endpoint_admits_the_whole_range_in_one_rule(recipe_check):
    template = recipe_check("mongodb-atlas-privatelink").assembly.template("airlock-shipment-db-eu-central-1")
    groups = {k: v for k, v in _resources(template, "AWS::EC2::SecurityGroup").items() if "atlascluster" in k}
    (group,) = groups.values()
    assert [(r["FromPort"], r["ToPort"], r["CidrIp"]) for r in group["Properties"]["SecurityGroupIngress"]] == [
        (1024, 65535, "10.30.12.0/23")
    ]


# -- the register -----------------------------------------------------------------------------


def test_the_register_says_what_to_hand_back(tmp_path, recipe_check):
    checked = recipe_check("confluent-privatelink")
    out = tmp_path / "register"
    assert main(["register", str(checked.spec), "--out", str(out), "--assembly", str(checked.assembly.outdir)]) == 0
    page = (out / "integrations" / "streaming.md").read_text()
    section = page.split("## What to hand back", 1)[1].split("\n## ", 1)[0]
    assert "| confluentgatewayVendorEndpointId | the id of the endpoint confluent-gateway" in section
    assert "airlock-streaming-eu-central-1" in section and "never the external ID" in section
    filtering = page.split("## Filtering", 1)[1].split("\n## ", 1)[0]
    assert (
        "confluent-gateway: hosted zone | " in filtering
        and "| eu-central-1.aws.private.confluent.cloud. |" in filtering
    )
    assert "| *.eu-central-1.aws.private.confluent.cloud. |" in filtering
    assert "| dns (CNAME targets trusted) |" in filtering
