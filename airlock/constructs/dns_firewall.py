"""Route 53 Resolver DNS Firewall: an allow-list above a block-everything rule, and query logs."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53resolver as resolver
from constructs import Construct

from airlock.constructs._keys import log_encryption_key

_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
ALLOW_PRIORITY = 100
BLOCK_PRIORITY = 200


def dns_firewall_domains(domains: Sequence[str]) -> list[str]:
    """The allow-list in DNS Firewall's notation.

    The project writes domains as Network Firewall does: ``api.x.com`` for one name,
    ``.x.com`` for x.com and every name below it. DNS Firewall wants ``x.com`` and ``*.x.com``
    for the latter.
    """
    out: list[str] = []
    for domain in domains:
        if domain.startswith("*"):
            raise ValueError(
                f"allowed_domains contains '{domain}'; write '.{domain.lstrip('*.')}' for a domain and below"
            )
        name = domain.removeprefix(".")
        if not _NAME.match(name):
            raise ValueError(f"allowed_domains contains '{domain}'; write lowercase names such as 'api.example.com'")
        out.append(name)
        if domain.startswith("."):
            out.append(f"*.{name}")
    return list(dict.fromkeys(out))


class DnsFirewall(Construct):
    """DNS Firewall on a VPC: ``allowed_domains`` resolve, every other query gets NXDOMAIN.

    One rule group with two rules: ALLOW for the allow-list at priority 100, BLOCK (NXDOMAIN)
    for ``*`` at priority 200. It is associated with the VPC with mutation protection on. DNS
    Firewall fails closed unless someone turns ``FirewallFailOpen`` on through the API
    (CloudFormation has no property for it; its default is closed). Every query the VPC makes
    is logged to a log group encrypted with ``key``.

    :param vpc: the VPC to protect.
    :param allowed_domains: ``api.x.com``, or ``.x.com`` for x.com and every name below it.
        May be empty: then nothing resolves except what the VPC's own Route 53 Resolver
        answers before the firewall (the VPC's private names).
    :param log_retention: retention of the query-log group. Default: one year.
    :param key: KMS key of the query-log group. Default: a new customer-managed key with rotation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        allowed_domains: Sequence[str],
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.allowed_domains = dns_firewall_domains(allowed_domains)
        rules = []
        if self.allowed_domains:
            self.allow_list = resolver.CfnFirewallDomainList(self, "AllowList", domains=self.allowed_domains)
            rules.append(
                resolver.CfnFirewallRuleGroup.FirewallRuleProperty(
                    action="ALLOW", priority=ALLOW_PRIORITY, firewall_domain_list_id=self.allow_list.attr_id
                )
            )
        self.block_list = resolver.CfnFirewallDomainList(self, "BlockEverything", domains=["*"])
        rules.append(
            resolver.CfnFirewallRuleGroup.FirewallRuleProperty(
                action="BLOCK",
                block_response="NXDOMAIN",
                priority=BLOCK_PRIORITY,
                firewall_domain_list_id=self.block_list.attr_id,
            )
        )
        self.rule_group = resolver.CfnFirewallRuleGroup(self, "RuleGroup", firewall_rules=rules)
        self.association = resolver.CfnFirewallRuleGroupAssociation(
            self,
            "Association",
            firewall_rule_group_id=self.rule_group.attr_id,
            vpc_id=vpc.vpc_id,
            priority=101,
            mutation_protection="ENABLED",
        )

        self.key = key or log_encryption_key(self, "QueryLogKey", description=f"DNS query logs of {self.node.path}")
        self.query_log_group = logs.LogGroup(
            self,
            "QueryLogs",
            retention=log_retention,
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.query_logging = resolver.CfnResolverQueryLoggingConfig(
            self, "QueryLogging", destination_arn=self.query_log_group.log_group_arn
        )
        resolver.CfnResolverQueryLoggingConfigAssociation(
            self,
            "QueryLoggingAssociation",
            resolver_query_log_config_id=self.query_logging.attr_id,
            resource_id=vpc.vpc_id,
        )
