"""Filtered egress: AWS Network Firewall with a domain allow-list, and the routes through it.

Traffic from the protected subnets leaves only through the firewall endpoint of its AZ,
then a NAT gateway and the internet gateway; replies come back the same way. The firewall
passes TLS connections whose SNI and HTTP requests whose Host header is on the allow-list
and drops everything else (strict rule order, default drop), logging alerts and flows.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_networkfirewall as nfw
from constructs import Construct

from airlock.compliance.acknowledge import acknowledge
from airlock.compliance.declare import declare_filtered_egress
from airlock.constructs._keys import log_encryption_key
from airlock.constructs.network import acknowledge_az_name

_DOMAIN = re.compile(r"^\.?(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
#: Stateful default actions: drop and alert what no rule passed (after the handshake, so SNI is seen).
DEFAULT_ACTIONS = ("aws:drop_established", "aws:alert_established")


@dataclass(frozen=True)
class EgressLayout:
    """Subnet CIDRs per AZ when a VPC carries filtered egress."""

    workload: tuple[str, ...]
    firewall: tuple[str, ...]
    public: tuple[str, ...]


def egress_layout(cidr: str, az_count: int) -> EgressLayout:
    """Split ``cidr`` into ``2 * az_count`` blocks: one workload subnet per AZ, then per AZ one
    block halved into a firewall subnet and a public (NAT) subnet.

    >>> egress_layout("10.0.0.0/22", 2).firewall
    ('10.0.2.0/25', '10.0.3.0/25')
    """
    network = ipaddress.IPv4Network(cidr)
    bits = max(1, math.ceil(math.log2(2 * az_count)))
    if network.prefixlen + bits + 1 > 28:
        raise ValueError(
            f"cidr '{cidr}' is too small for {3 * az_count} subnets with filtered egress; use a larger block"
        )
    blocks = list(network.subnets(new_prefix=network.prefixlen + bits))
    workload = tuple(str(b) for b in blocks[:az_count])
    halves = [list(b.subnets(prefixlen_diff=1)) for b in blocks[az_count : 2 * az_count]]
    return EgressLayout(
        workload=workload,
        firewall=tuple(str(h[0]) for h in halves),
        public=tuple(str(h[1]) for h in halves),
    )


def check_domains(domains: Sequence[str]) -> list[str]:
    """Domains as Network Firewall reads them: ``api.x.com``, or ``.x.com`` for x.com and below."""
    if not domains:
        raise ValueError("allowed_domains is empty; name the domains the workload may reach, e.g. ['.vendor.com']")
    for domain in domains:
        if domain.startswith("*"):
            raise ValueError(
                f"allowed_domains contains '{domain}'; Network Firewall matches subdomains with a leading dot, "
                f"write '.{domain.lstrip('*.')}'"
            )
        if not _DOMAIN.match(domain):
            raise ValueError(f"allowed_domains contains '{domain}'; write lowercase names such as 'api.example.com'")
    return list(dict.fromkeys(domains))


class FilteredEgress(Construct):
    """AWS Network Firewall in subnets of its own, one firewall endpoint and NAT gateway per AZ.

    Per AZ (in the order of ``protected_subnets``): a firewall subnet and a public subnet are
    added to ``vpc``; the protected subnet's route table sends ``0.0.0.0/0`` to the firewall
    endpoint of its AZ, the firewall subnet sends it to the NAT gateway, and the public
    subnet sends it to the internet gateway and the protected subnet's CIDR back through the
    firewall. One firewall per AZ keeps each route tied to the endpoint of its own AZ without
    any lookup, and an AZ's loss leaves the other AZs' egress working.

    Each public subnet carries a VPC Block Public Access exclusion in ``allow-egress`` mode, so
    that the NAT gateway reaches the internet where Block Public Access is on (the EC2
    declarative policy of airlock's OU turns it on bidirectionally); no other subnet is excluded.

    The firewall policy has one stateful rule group: a domain allow-list on ``TLS_SNI`` and
    ``HTTP_HOST``, strict rule order, default actions drop and alert. Alert and flow logs go
    to two log groups encrypted with ``key``. The construct declares itself as the filter of
    its subnets' egress (``airlock.compliance.declare_filtered_egress``), so the
    ``Airlock-IsolatedNetwork`` rule accepts its internet gateway.

    :param vpc: the VPC; its CIDR becomes the rule group's ``HOME_NET``.
    :param allowed_domains: ``api.x.com``, or ``.x.com`` for x.com and every name below it.
    :param protected_subnets: the workload subnets whose internet traffic is filtered.
    :param firewall_subnet_cidrs: one CIDR per protected subnet, for the firewall endpoints.
    :param public_subnet_cidrs: one CIDR per protected subnet, for the NAT gateways.
    :param log_retention: retention of the alert and flow log groups. Default: one year.
    :param key: KMS key of the log groups. Default: a new customer-managed key with rotation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        allowed_domains: Sequence[str],
        protected_subnets: Sequence[ec2.ISubnet],
        firewall_subnet_cidrs: Sequence[str],
        public_subnet_cidrs: Sequence[str],
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.allowed_domains = check_domains(allowed_domains)
        count = len(protected_subnets)
        if count == 0:
            raise ValueError("protected_subnets is empty; give the workload subnets whose traffic is filtered")
        if len(firewall_subnet_cidrs) != count or len(public_subnet_cidrs) != count:
            raise ValueError(
                f"firewall_subnet_cidrs ({len(firewall_subnet_cidrs)}) and public_subnet_cidrs "
                f"({len(public_subnet_cidrs)}) need one CIDR per protected subnet ({count}); see egress_layout()"
            )

        self.key = key or log_encryption_key(self, "LogKey", description=f"Firewall logs of {self.node.path}")
        self.alert_log_group = logs.LogGroup(
            self, "AlertLogs", retention=log_retention, encryption_key=self.key, removal_policy=cdk.RemovalPolicy.RETAIN
        )
        self.flow_log_group = logs.LogGroup(
            self, "FlowLogs", retention=log_retention, encryption_key=self.key, removal_policy=cdk.RemovalPolicy.RETAIN
        )

        self.rule_group = nfw.CfnRuleGroup(
            self,
            "DomainAllowList",
            rule_group_name=cdk.Names.unique_resource_name(self, max_length=128, separator="-") + "-domains",
            type="STATEFUL",
            capacity=max(100, 2 * len(self.allowed_domains) + 10),
            description="Domains the workload may reach over TLS (SNI) and HTTP (Host)",
            rule_group=nfw.CfnRuleGroup.RuleGroupProperty(
                rule_variables=nfw.CfnRuleGroup.RuleVariablesProperty(
                    ip_sets={"HOME_NET": nfw.CfnRuleGroup.IPSetProperty(definition=[vpc.vpc_cidr_block])}
                ),
                rules_source=nfw.CfnRuleGroup.RulesSourceProperty(
                    rules_source_list=nfw.CfnRuleGroup.RulesSourceListProperty(
                        generated_rules_type="ALLOWLIST",
                        target_types=["TLS_SNI", "HTTP_HOST"],
                        targets=self.allowed_domains,
                    )
                ),
                stateful_rule_options=nfw.CfnRuleGroup.StatefulRuleOptionsProperty(rule_order="STRICT_ORDER"),
            ),
        )
        self.policy = nfw.CfnFirewallPolicy(
            self,
            "Policy",
            firewall_policy_name=cdk.Names.unique_resource_name(self, max_length=128, separator="-"),
            firewall_policy=nfw.CfnFirewallPolicy.FirewallPolicyProperty(
                stateless_default_actions=["aws:forward_to_sfe"],
                stateless_fragment_default_actions=["aws:forward_to_sfe"],
                stateful_default_actions=list(DEFAULT_ACTIONS),
                stateful_engine_options=nfw.CfnFirewallPolicy.StatefulEngineOptionsProperty(rule_order="STRICT_ORDER"),
                stateful_rule_group_references=[
                    nfw.CfnFirewallPolicy.StatefulRuleGroupReferenceProperty(
                        resource_arn=self.rule_group.attr_rule_group_arn, priority=100
                    )
                ],
            ),
        )

        # This construct is the filter: the Airlock-IsolatedNetwork rule accepts its gateway.
        declare_filtered_egress(self, via=f"AWS Network Firewall {self.node.path}")
        self.internet_gateway = ec2.CfnInternetGateway(self, "InternetGateway")
        attachment = ec2.CfnVPCGatewayAttachment(
            self, "InternetGatewayAttachment", vpc_id=vpc.vpc_id, internet_gateway_id=self.internet_gateway.ref
        )
        self.firewalls: list[nfw.CfnFirewall] = []
        self.nat_gateways: list[ec2.CfnNatGateway] = []
        zones = Construct(self, "Zones")
        for position, protected in enumerate(protected_subnets):
            az = protected.availability_zone
            holder = Construct(zones, az if not cdk.Token.is_unresolved(az) else f"Zone{position}")
            firewall_subnet = _placed_subnet(holder, "FirewallSubnet", vpc.vpc_id, firewall_subnet_cidrs[position], az)
            public_subnet = _placed_subnet(holder, "PublicSubnet", vpc.vpc_id, public_subnet_cidrs[position], az)
            firewall = nfw.CfnFirewall(
                holder,
                "Firewall",
                firewall_name=cdk.Names.unique_resource_name(holder, max_length=128, separator="-"),
                firewall_policy_arn=self.policy.attr_firewall_policy_arn,
                vpc_id=vpc.vpc_id,
                subnet_mappings=[nfw.CfnFirewall.SubnetMappingProperty(subnet_id=firewall_subnet.ref)],
                delete_protection=True,
                firewall_policy_change_protection=True,
                subnet_change_protection=True,
            )
            nfw.CfnLoggingConfiguration(
                holder,
                "Logging",
                firewall_arn=firewall.attr_firewall_arn,
                logging_configuration=nfw.CfnLoggingConfiguration.LoggingConfigurationProperty(
                    log_destination_configs=[
                        nfw.CfnLoggingConfiguration.LogDestinationConfigProperty(
                            log_type=log_type,
                            log_destination_type="CloudWatchLogs",
                            log_destination={"logGroup": group.log_group_name},
                        )
                        for log_type, group in (("ALERT", self.alert_log_group), ("FLOW", self.flow_log_group))
                    ]
                ),
            )
            # The firewall's endpoint id, from its only subnet mapping ("<az>:<vpce-id>").
            endpoint_id = cdk.Fn.select(1, cdk.Fn.split(":", cdk.Fn.select(0, firewall.attr_endpoint_ids)))
            eip = ec2.CfnEIP(holder, "NatAddress", domain="vpc")
            eip.node.add_dependency(attachment)
            nat = ec2.CfnNatGateway(
                holder, "NatGateway", subnet_id=public_subnet.ref, allocation_id=eip.attr_allocation_id
            )
            # VPC Block Public Access (bidirectional on the dedicated OU) lets the NAT subnet out,
            # and its replies back in, and nothing else.
            ec2.CfnVPCBlockPublicAccessExclusion(
                holder,
                "BlockPublicAccessExclusion",
                internet_gateway_exclusion_mode="allow-egress",
                subnet_id=public_subnet.ref,
            )

            firewall_routes = ec2.CfnRouteTable(holder, "FirewallRouteTable", vpc_id=vpc.vpc_id)
            ec2.CfnSubnetRouteTableAssociation(
                holder,
                "FirewallRouteTableAssociation",
                subnet_id=firewall_subnet.ref,
                route_table_id=firewall_routes.ref,
            )
            ec2.CfnRoute(
                holder,
                "FirewallToNat",
                route_table_id=firewall_routes.ref,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.ref,
            )
            public_routes = ec2.CfnRouteTable(holder, "PublicRouteTable", vpc_id=vpc.vpc_id)
            ec2.CfnSubnetRouteTableAssociation(
                holder, "PublicRouteTableAssociation", subnet_id=public_subnet.ref, route_table_id=public_routes.ref
            )
            to_internet = ec2.CfnRoute(
                holder,
                "PublicToInternet",
                route_table_id=public_routes.ref,
                destination_cidr_block="0.0.0.0/0",
                gateway_id=self.internet_gateway.ref,
            )
            to_internet.node.add_dependency(attachment)
            acknowledge(
                to_internet,
                "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
                reason="Only the public subnet of the NAT gateway routes to the internet gateway; workload traffic "
                "reaches it only through the Network Firewall's domain allow-list, and replies return through it.",
            )
            ec2.CfnRoute(
                holder,
                "ReturnThroughFirewall",
                route_table_id=public_routes.ref,
                destination_cidr_block=protected.ipv4_cidr_block,
                vpc_endpoint_id=endpoint_id,
            )
            ec2.CfnRoute(
                holder,
                "ProtectedToFirewall",
                route_table_id=protected.route_table.route_table_id,
                destination_cidr_block="0.0.0.0/0",
                vpc_endpoint_id=endpoint_id,
            )
            self.firewalls.append(firewall)
            self.nat_gateways.append(nat)


def _placed_subnet(holder: Construct, id: str, vpc_id: str, cidr: str, az: str) -> ec2.CfnSubnet:
    """A subnet without public IPs in the same zone as ``az`` (by AZ ID where it is one)."""
    placement = _placement(az)
    subnet = ec2.CfnSubnet(
        holder,
        id,
        vpc_id=vpc_id,
        cidr_block=cidr,
        map_public_ip_on_launch=False,
        availability_zone=placement.get("availability_zone"),
        availability_zone_id=placement.get("availability_zone_id"),
    )
    if "availability_zone" in placement:
        acknowledge_az_name(subnet)
    return subnet


def _placement(az: str) -> dict[str, str]:
    """Place a subnet like its protected subnet: by AZ ID (``euc1-az1``) or by AZ name."""
    if cdk.Token.is_unresolved(az):
        return {"availability_zone": az}
    if re.match(r"^[a-z]{3,5}\d-az\d{1,2}$", az):
        return {"availability_zone_id": az}
    return {"availability_zone": az}
