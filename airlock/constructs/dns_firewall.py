"""Route 53 Resolver DNS Firewall: an allow-list above a block-everything rule, and query logs."""

from __future__ import annotations

import ipaddress
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
TRUSTED_PRIORITY = 150
BLOCK_PRIORITY = 200
#: Declared domains: every name of a CNAME chain must itself be on an allow-list.
INSPECT = "INSPECT_REDIRECTION_DOMAIN"
#: Names the project generates (endpoint names, hosted-zone records, the VPC's own names):
#: the first name decides, its CNAME targets are trusted.
TRUST = "TRUST_REDIRECTION_DOMAIN"


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


def vpc_internal_domains(region: str, cidr: str) -> list[str]:
    """The VPC's own names, in the project's notation: EC2 host names and reverse lookups of the VPC.

    * EC2's private host names, ``ip-10-20-0-5.<region>.compute.internal`` (``ec2.internal``
      in us-east-1), as ``.<region>.compute.internal``;
    * reverse lookups (PTR) of the VPC's addresses, as the ``in-addr.arpa`` zones of the /16 or
      the /24 blocks that make up ``cidr`` (a VPC CIDR is /16 to /28; a block smaller than /24
      gives its /24).

    Route 53 Resolver answers both from the VPC's own records (its autodefined rules for
    ``compute.internal`` and for reverse lookups of the VPC's CIDR); no query for them leaves
    AWS. Reverse lookups of any other address are not listed: those of public addresses are
    forwarded to the internet, to name servers that the owner of the address runs.
    """
    internal = ".ec2.internal" if region == "us-east-1" else f".{region}.compute.internal"
    network = ipaddress.IPv4Network(cidr)
    if network.prefixlen <= 16:
        octets, zones = 2, [network.supernet(new_prefix=16)]
    elif network.prefixlen <= 24:
        octets, zones = 3, list(network.subnets(new_prefix=24))
    else:
        octets, zones = 3, [network.supernet(new_prefix=24)]
    reverse = [
        "." + ".".join(reversed(str(zone.network_address).split(".")[:octets])) + ".in-addr.arpa" for zone in zones
    ]
    return [internal, *reverse]


class DnsFirewall(Construct):
    """DNS Firewall on a VPC: ``allowed_domains`` resolve, every other query gets NXDOMAIN.

    One rule group with up to three rules: ALLOW for ``allowed_domains`` at priority 100 with
    ``FirewallDomainRedirectionAction: INSPECT_REDIRECTION_DOMAIN`` (every name of a CNAME
    chain must be on an allow-list itself: a declared name cannot lead anywhere undeclared),
    ALLOW for ``trusted_domains`` at priority 150 with ``TRUST_REDIRECTION_DOMAIN`` (the first
    name decides: for names whose answers the deployer controls, such as an endpoint's own
    names and the records of a private hosted zone pointing at it), and BLOCK (NXDOMAIN) for
    ``*`` at priority 200. It is associated with the VPC with mutation protection on. DNS
    Firewall fails closed unless someone turns ``FirewallFailOpen`` on through the API
    (CloudFormation has no property for it; its default is closed). Every query the VPC makes
    is logged to a log group encrypted with ``key``.

    :param vpc: the VPC to protect.
    :param allowed_domains: ``api.x.com``, or ``.x.com`` for x.com and every name below it.
        May be empty. DNS Firewall inspects private names too (the VPC's EC2 host names, private
        hosted zones, endpoint names): what is on neither list does not resolve.
    :param trusted_domains: names whose CNAME targets are trusted, in the same notation: names
        whose answers the deployer controls (an endpoint's own names, a private hosted zone's
        records, :func:`vpc_internal_domains`). Default: none.
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
        trusted_domains: Sequence[str] = (),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.allowed_domains = dns_firewall_domains(allowed_domains)
        self.trusted_domains = dns_firewall_domains(trusted_domains)
        rules = []
        if self.allowed_domains:
            self.allow_list = resolver.CfnFirewallDomainList(self, "AllowList", domains=self.allowed_domains)
            rules.append(
                resolver.CfnFirewallRuleGroup.FirewallRuleProperty(
                    action="ALLOW",
                    priority=ALLOW_PRIORITY,
                    firewall_domain_list_id=self.allow_list.attr_id,
                    firewall_domain_redirection_action=INSPECT,
                )
            )
        if self.trusted_domains:
            self.trusted_list = resolver.CfnFirewallDomainList(self, "TrustedList", domains=self.trusted_domains)
            rules.append(
                resolver.CfnFirewallRuleGroup.FirewallRuleProperty(
                    action="ALLOW",
                    priority=TRUSTED_PRIORITY,
                    firewall_domain_list_id=self.trusted_list.attr_id,
                    firewall_domain_redirection_action=TRUST,
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
