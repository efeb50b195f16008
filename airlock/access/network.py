"""The network half of a flow: name resolution, security groups, firewalls, endpoint services.

Each function decides one step the way the AWS service does, from the resolved templates:

* :func:`resolve_name` — Route 53 Resolver DNS Firewall: rule groups associated with the VPC
  in priority order, rules in priority order, the first rule whose domain list matches decides
  (ALLOW stops, BLOCK answers with the block response, ALERT only logs and goes on); a query
  no rule matches resolves. With the default ``FirewallDomainRedirectionAction``
  (``INSPECT_REDIRECTION_DOMAIN``) every name of a CNAME chain is inspected the same way;
  ``TRUST_REDIRECTION_DOMAIN`` inspects only the first.
* :func:`security_group_admits` — a security group admits a connection when one ingress rule
  covers the source address and the port; :func:`security_group_admits_range` — every port of
  a range is admitted when the ingress rules for the source together cover it (security
  group rules are permissive and add up: a connection is allowed when any rule allows it,
  https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html).
* :func:`hosted_zone_answers` — a Route 53 private hosted zone answers a query from a VPC it
  is associated with, from the record of that name or else the wildcard record ``*.<parent>``
  closest to it (Route 53 "Using an asterisk (*) in the names of hosted zones and records",
  https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html).
* :func:`endpoint_service_admits` — an endpoint service accepts connection requests only from
  its allowed principals (an account root admits every principal of that account; ``*``
  everyone).
* :func:`network_firewall_admits` — a stateful domain-list rule group (``ALLOWLIST`` over TLS
  SNI and HTTP Host) passes a name that equals a target or lies below a ``.domain`` target.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from airlock.access.model import Decision, Source, Verdict
from airlock.access.template import Unresolved
from airlock.access.world import Resource, World

DEFAULT_REDIRECTION = "INSPECT_REDIRECTION_DOMAIN"


@dataclass(frozen=True)
class DnsRule:
    priority: int
    action: str
    domains: tuple[str, ...]
    redirection: str
    block_response: str | None
    source: Source


def _source(kind: Any, resource: Resource, detail: str | None = None) -> Source:
    return Source(kind, resource.template, resource.logical_id, detail)


def _props(world: World, resource: Resource) -> Mapping[str, Any]:
    resolved = world.resolvers[resource.stack].resolve(dict(resource.properties))
    return resolved if isinstance(resolved, Mapping) else {}


def _ref(world: World, resource: Resource) -> Any:
    return world.resolvers[resource.stack].attribute(resource.logical_id, "Ref")


def _of_type(world: World, stack: str, type_: str) -> list[Resource]:
    return [r for r in world.resources if r.stack == stack and r.type == type_]


def dns_rules(world: World, stack: str, vpc_id: str) -> list[DnsRule] | None:
    """The DNS Firewall rules that apply to ``vpc_id``, in evaluation order; None when a rule
    cannot be read."""
    lists = {}
    for domain_list in _of_type(world, stack, "AWS::Route53Resolver::FirewallDomainList"):
        attributes = world.resolvers[stack].attributes(domain_list.logical_id)
        lists[attributes.get("Id")] = tuple(_props(world, domain_list).get("Domains") or ())
    groups = {}
    for group in _of_type(world, stack, "AWS::Route53Resolver::FirewallRuleGroup"):
        groups[world.resolvers[stack].attributes(group.logical_id).get("Id")] = group
    associations = []
    for association in _of_type(world, stack, "AWS::Route53Resolver::FirewallRuleGroupAssociation"):
        props = _props(world, association)
        if props.get("VpcId") == vpc_id and props.get("FirewallRuleGroupId") in groups:
            associations.append((int(props.get("Priority", 0)), groups[props["FirewallRuleGroupId"]]))
    rules: list[DnsRule] = []
    for _, group in sorted(associations, key=lambda pair: pair[0]):
        for rule in sorted(_props(world, group).get("FirewallRules") or [], key=lambda r: int(r.get("Priority", 0))):
            domain_list = rule.get("FirewallDomainListId")
            if domain_list not in lists:
                return None
            rules.append(
                DnsRule(
                    priority=int(rule.get("Priority", 0)),
                    action=str(rule.get("Action")),
                    domains=lists[domain_list],
                    redirection=str(rule.get("FirewallDomainRedirectionAction") or DEFAULT_REDIRECTION),
                    block_response=rule.get("BlockResponse"),
                    source=_source("dns-firewall", group, f"priority {rule.get('Priority')} {rule.get('Action')}"),
                )
            )
    return rules


def domain_matches(pattern: str, name: str) -> bool:
    """DNS Firewall domain-list matching: ``*`` everything, ``*.x.com`` every name below x.com,
    anything else the exact name (case-insensitive, trailing dot ignored)."""
    pattern, name = pattern.lower().rstrip("."), name.lower().rstrip(".")
    if pattern == "*":
        return True
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern


def resolve_name(rules: Sequence[DnsRule] | None, name: str, cnames: Sequence[str] = ()) -> Decision:
    """Whether ``name`` (and the CNAME chain it leads through) resolves behind ``rules``."""
    if rules is None:
        return Decision(Verdict.UNDECIDED, "a DNS Firewall rule names a domain list the templates do not define")
    chain = [name, *cnames]
    for position, query in enumerate(chain):
        rule = next((r for r in rules if r.action in ("ALLOW", "BLOCK") and _listed(r, query)), None)
        alerts = [r for r in rules if r.action == "ALERT" and _listed(r, query)]
        if rule is None:
            continue
        if rule.action == "BLOCK":
            answer = rule.block_response or "NODATA"
            where = "" if position == 0 else f" (CNAME target of {name})"
            return Decision(
                Verdict.DENY, f"{query}{where} is blocked ({answer}) by {rule.source.describe()}", (rule.source,)
            )
        if rule.redirection == "TRUST_REDIRECTION_DOMAIN":
            return Decision(
                Verdict.ALLOW,
                f"{query} is allowed by {rule.source.describe()}",
                (rule.source, *(a.source for a in alerts)),
            )
    return Decision(Verdict.ALLOW, f"{name} resolves: no DNS Firewall rule blocks it or its CNAME chain")


def _listed(rule: DnsRule, name: str) -> bool:
    return any(domain_matches(pattern, name) for pattern in rule.domains)


def _ports(rule: Mapping[str, Any]) -> range:
    low, high = int(rule.get("FromPort", -1)), int(rule.get("ToPort", -1))
    if str(rule.get("IpProtocol")) == "-1":
        return range(0, 65536)
    return range(low, high + 1)


def security_group_admits(world: World, group: Resource, source_address: str, port: int) -> Decision:
    """Whether ``group`` admits TCP from ``source_address`` to ``port`` (its inline ingress rules
    and ``AWS::EC2::SecurityGroupIngress`` resources of the same stack)."""
    address = ipaddress.ip_address(source_address)
    source = _source("security-group", group)
    for rule in _ingress_rules(world, group):
        cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
        if not isinstance(cidr, str) or str(rule.get("IpProtocol")) not in ("tcp", "6", "-1"):
            continue
        network = ipaddress.ip_network(cidr, strict=False)
        if address.version == network.version and address in network and port in _ports(rule):
            return Decision(Verdict.ALLOW, f"{source.describe()} admits {cidr} on port {port}", (source,))
    return Decision(
        Verdict.DENY, f"{source.describe()} has no ingress rule for {source_address} on port {port}", (source,)
    )


def _ingress_rules(world: World, group: Resource) -> list[Mapping[str, Any]]:
    rules = list(_props(world, group).get("SecurityGroupIngress") or [])
    group_id = world.resolvers[group.stack].attributes(group.logical_id).get("GroupId")
    for ingress in _of_type(world, group.stack, "AWS::EC2::SecurityGroupIngress"):
        props = _props(world, ingress)
        if props.get("GroupId") == group_id:
            rules.append(props)
    return rules


def security_group_admits_range(world: World, group: Resource, source_address: str, low: int, high: int) -> Decision:
    """Whether ``group`` admits TCP from ``source_address`` on every port from ``low`` to ``high``."""
    if low == high:
        return security_group_admits(world, group, source_address, low)
    address = ipaddress.ip_address(source_address)
    source = _source("security-group", group)
    spans = []
    for rule in _ingress_rules(world, group):
        cidr = rule.get("CidrIp") or rule.get("CidrIpv6")
        if not isinstance(cidr, str) or str(rule.get("IpProtocol")) not in ("tcp", "6", "-1"):
            continue
        network = ipaddress.ip_network(cidr, strict=False)
        if address.version == network.version and address in network:
            ports = _ports(rule)
            spans.append((ports.start, ports.stop - 1))
    covered = low
    for first, last in sorted(spans):
        if first > covered:
            break
        covered = max(covered, last + 1)
        if covered > high:
            return Decision(
                Verdict.ALLOW, f"{source.describe()} admits {source_address} on ports {low}-{high}", (source,)
            )
    return Decision(
        Verdict.DENY,
        f"{source.describe()} has no ingress rule for {source_address} on port {covered} (of {low}-{high})",
        (source,),
    )


def _fqdn(name: Any) -> str:
    return str(name).lower().rstrip(".")


def _record_matches(record: str, name: str) -> bool:
    return record == name or (record.startswith("*.") and name.endswith(record[1:]))


def hosted_zone_answers(world: World, stack: str, vpc_id: str, name: str, endpoint: Resource) -> Decision:
    """Whether a private hosted zone of ``stack`` associated with ``vpc_id`` answers ``name`` with
    ``endpoint`` (a CNAME to its DNS name, or an alias to it)."""
    name = _fqdn(name)
    zones = {}
    for zone in _of_type(world, stack, "AWS::Route53::HostedZone"):
        props = _props(world, zone)
        vpcs = props.get("VPCs") or []
        if isinstance(props.get("Name"), Unresolved) or any(
            isinstance(vpc, Mapping) and isinstance(vpc.get("VPCId"), Unresolved) for vpc in vpcs
        ):
            return Decision(
                Verdict.UNDECIDED,
                f"the name or VPC of hosted zone {zone.logical_id} is not known before deployment",
                (_source("hosted-zone", zone),),
            )
        if any(isinstance(vpc, Mapping) and vpc.get("VPCId") == vpc_id for vpc in props.get("VPCs") or []):
            zone_name = _fqdn(props.get("Name"))
            if name == zone_name or name.endswith("." + zone_name):
                zones[zone.logical_id] = (zone_name, zone)
    if not zones:
        return Decision(Verdict.DENY, f"no private hosted zone associated with the VPC holds {name}")
    zone_id, (zone_name, zone) = max(zones.items(), key=lambda item: len(item[1][0]))  # the closest zone answers
    records = []
    for record in _of_type(world, stack, "AWS::Route53::RecordSet"):
        raw = record.properties
        if repr(raw.get("HostedZoneId")).find(f"'{zone_id}'") < 0:
            continue
        props = _props(world, record)
        records.append((_fqdn(props.get("Name")), raw, record))
    exact = [r for r in records if r[0] == name]
    wild = sorted(
        (r for r in records if r[0].startswith("*.") and _record_matches(r[0], name)), key=lambda r: -len(r[0])
    )
    found = exact or wild
    if not found:
        return Decision(
            Verdict.DENY, f"{zone_name} has no record for {name}", (_source("hosted-zone", zone, f"zone {zone_name}"),)
        )
    record_name, raw, record = found[0]
    points = f"'{endpoint.logical_id}'" in repr(raw.get("ResourceRecords")) + repr(raw.get("AliasTarget"))
    source = _source("hosted-zone", record, f"{raw.get('Type')} {record_name}")
    if not points:
        return Decision(
            Verdict.DENY, f"{record_name} in {zone_name} does not point at {endpoint.logical_id}", (source,)
        )
    return Decision(
        Verdict.ALLOW, f"{zone_name} answers {name} with {raw.get('Type')} {record_name} to the endpoint", (source,)
    )


def endpoint_service_admits(allowed: Iterable[str], principal_arn: str, account: str, where: Source) -> Decision:
    """Whether an endpoint service with ``allowed`` principals accepts a connection request."""
    allowed = tuple(allowed)
    if "*" in allowed:
        return Decision(Verdict.ALLOW, f"{where.describe()} allows every principal ('*')", (where,))
    if principal_arn in allowed or f"arn:aws:iam::{account}:root" in allowed:
        return Decision(Verdict.ALLOW, f"{where.describe()} allows {principal_arn}", (where,))
    return Decision(Verdict.DENY, f"{where.describe()} does not allow {principal_arn}", (where,))


def network_firewall_domains(world: World, stack: str) -> list[tuple[tuple[str, ...], tuple[str, ...], Source]]:
    """(targets, target types, source) of every domain-list allow-list rule group in ``stack``."""
    out = []
    for group in _of_type(world, stack, "AWS::NetworkFirewall::RuleGroup"):
        source_list = ((_props(world, group).get("RuleGroup") or {}).get("RulesSource") or {}).get("RulesSourceList")
        if isinstance(source_list, Mapping) and source_list.get("GeneratedRulesType") == "ALLOWLIST":
            out.append(
                (
                    tuple(source_list.get("Targets") or ()),
                    tuple(source_list.get("TargetTypes") or ()),
                    _source("network-firewall", group),
                )
            )
    return out


def network_firewall_admits(world: World, stack: str, name: str, protocol: str = "TLS_SNI") -> Decision:
    """Whether the stack's Network Firewall allow-lists pass ``name`` over ``protocol``."""
    groups = network_firewall_domains(world, stack)
    if not groups:
        return Decision(Verdict.DENY, f"no Network Firewall allow-list in {stack} passes {name}")
    for targets, types, source in groups:
        if protocol in types and any(_firewall_domain(target, name) for target in targets):
            return Decision(Verdict.ALLOW, f"{source.describe()} allows {name} ({protocol})", (source,))
    return Decision(
        Verdict.DENY, f"{name} is on no allow-list of the Network Firewall", tuple(source for _, _, source in groups)
    )


def _firewall_domain(target: str, name: str) -> bool:
    if target.startswith("."):
        return name == target[1:] or name.endswith(target)
    return name == target
