"""DnsFirewall: allow-list above a block-everything rule, fail-closed, query logging."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from airlock.constructs import DnsFirewall
from airlock.constructs.dns_firewall import dns_firewall_domains
from tests.unit.network_helpers import own_vpc


@pytest.fixture(scope="module")
def template():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    DnsFirewall(stack, "Dns", vpc=own_vpc(stack), allowed_domains=["api.vendor.example", ".cdn.vendor.example"])
    return Template.from_stack(stack)


def _lists(template):
    lists = template.find_resources("AWS::Route53Resolver::FirewallDomainList")
    return {logical: resource["Properties"]["Domains"] for logical, resource in lists.items()}


def test_allow_list_is_above_a_block_everything_rule(template):
    lists = _lists(template)
    (group,) = template.find_resources("AWS::Route53Resolver::FirewallRuleGroup").values()
    rules = sorted(group["Properties"]["FirewallRules"], key=lambda rule: rule["Priority"])
    assert [rule["Action"] for rule in rules] == ["ALLOW", "BLOCK"]
    allow, block = (lists[rule["FirewallDomainListId"]["Fn::GetAtt"][0]] for rule in rules)
    assert allow == ["api.vendor.example", "cdn.vendor.example", "*.cdn.vendor.example"]
    assert block == ["*"]
    assert rules[1]["BlockResponse"] == "NXDOMAIN"


def test_rule_group_is_associated_with_mutation_protection(template):
    template.has_resource_properties(
        "AWS::Route53Resolver::FirewallRuleGroupAssociation", {"MutationProtection": "ENABLED", "Priority": 101}
    )


def test_every_query_is_logged_to_an_encrypted_group(template):
    (config,) = template.find_resources("AWS::Route53Resolver::ResolverQueryLoggingConfig").values()
    assert config["Properties"]["DestinationArn"]["Fn::GetAtt"][1] == "Arn"
    template.resource_count_is("AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation", 1)
    (group,) = template.find_resources("AWS::Logs::LogGroup").values()
    assert "KmsKeyId" in group["Properties"]


def test_empty_allow_list_blocks_everything(bare_stack):
    stack = bare_stack()
    DnsFirewall(stack, "Dns", vpc=own_vpc(stack), allowed_domains=[])
    (group,) = Template.from_stack(stack).find_resources("AWS::Route53Resolver::FirewallRuleGroup").values()
    assert [rule["Action"] for rule in group["Properties"]["FirewallRules"]] == ["BLOCK"]


def test_wildcards_are_refused_in_the_project_notation():
    with pytest.raises(ValueError, match=r"write '\.vendor\.example'"):
        dns_firewall_domains(["*.vendor.example"])
