"""The register's Filtering section: what the templates let through, as rules a reviewer reads.

Security group rules become (direction, protocol, ports, ranges); DNS Firewall rule groups
give the domains of their ALLOW rules; Network Firewall allow-list rule groups give their
TLS SNI / HTTP Host targets. Everything is read from the synthesized templates, so the page
shows what would be deployed, not what the spec meant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from airlock.register.assembly import StackTemplate, render_value
from airlock.register.records import DomainRuleRecord, NetworkRuleRecord

#: CDK's placeholder rule for a security group without egress (``allowAllOutbound: false``).
_NO_EGRESS = {"CidrIp": "255.255.255.255/32", "FromPort": 252, "IpProtocol": "icmp", "ToPort": 86}
_RANGE_KEYS = (
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "DestinationSecurityGroupId",
    "SourcePrefixListId",
    "DestinationPrefixListId",
)
Purposes = Mapping[tuple[str, str], str]


def _ports(rule: dict[str, Any]) -> str:
    low, high = rule.get("FromPort"), rule.get("ToPort")
    if str(rule.get("IpProtocol")) == "-1" or (low is None and high is None):
        return "all"
    return str(low) if low == high else f"{low}-{high}"


def _range(rule: dict[str, Any]) -> str:
    for key in _RANGE_KEYS:
        if key in rule:
            return render_value(rule[key]) or "?"
    return "?"


def _rules_of(lid: str, resource: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(group logical id, direction, rule) of a security group or a standalone rule resource."""
    properties = resource.get("Properties", {})
    kind = resource["Type"]
    if kind == "AWS::EC2::SecurityGroup":
        for direction, key in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
            for rule in properties.get(key) or []:
                if isinstance(rule, dict) and {k: rule.get(k) for k in _NO_EGRESS} != _NO_EGRESS:
                    yield lid, direction, rule
    elif kind in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        group = properties.get("GroupId")
        owner = group.get("Fn::GetAtt", [lid])[0] if isinstance(group, dict) else lid
        yield str(owner), "ingress" if kind.endswith("Ingress") else "egress", properties


def network_rules(stacks: Iterable[StackTemplate], purposes: Purposes) -> list[NetworkRuleRecord]:
    """Every security group rule of ``stacks``, ranges merged per group, direction, protocol and ports."""
    merged: dict[tuple[str, str, str, str, str], list[str]] = {}
    for stack in stacks:
        for lid, resource in sorted(stack.resources.items()):
            for group, direction, rule in _rules_of(lid, resource):
                protocol = "all" if str(rule.get("IpProtocol")) == "-1" else str(rule.get("IpProtocol"))
                key = (stack.name, group, direction, protocol, _ports(rule))
                ranges = merged.setdefault(key, [])
                if _range(rule) not in ranges:
                    ranges.append(_range(rule))
    return [
        NetworkRuleRecord(
            purpose=purposes.get((stack, group)),
            direction=direction,  # type: ignore[arg-type]
            protocol=protocol,
            ports=ports,
            ranges=ranges,
            logical_id=group,
            stack=stack,
        )
        for (stack, group, direction, protocol, ports), ranges in merged.items()
    ]


def _referenced(value: Any) -> str | None:
    if isinstance(value, dict):
        target = value.get("Ref") or value.get("Fn::GetAtt")
        return str(target[0] if isinstance(target, list) else target).split(".")[0] if target else None
    return None


def allowed_domains(stacks: Iterable[StackTemplate], purposes: Purposes) -> list[DomainRuleRecord]:
    """The domains of every DNS Firewall ALLOW rule and every Network Firewall allow-list."""
    out = []
    for stack in stacks:
        resources = stack.resources
        for lid, resource in sorted(resources.items()):
            properties = resource.get("Properties", {})
            if resource["Type"] == "AWS::Route53Resolver::FirewallRuleGroup":
                for rule in properties.get("FirewallRules") or []:
                    listed = _referenced(rule.get("FirewallDomainListId"))
                    if rule.get("Action") != "ALLOW" or listed not in resources:
                        continue
                    domains = resources[listed].get("Properties", {}).get("Domains") or []
                    trusted = rule.get("FirewallDomainRedirectionAction") == "TRUST_REDIRECTION_DOMAIN"
                    record = _domains(stack, listed, "dns", domains, purposes)
                    out.append(record.model_copy(update={"cname_targets": "trusted" if trusted else "inspected"}))
            elif resource["Type"] == "AWS::NetworkFirewall::RuleGroup":
                source = properties.get("RuleGroup", {}).get("RulesSource", {}).get("RulesSourceList", {})
                if source.get("GeneratedRulesType") == "ALLOWLIST":
                    out.append(_domains(stack, lid, "egress", source.get("Targets") or [], purposes))
    return out


def _domains(stack: StackTemplate, lid: str, kind: str, domains: list[Any], purposes: Purposes) -> DomainRuleRecord:
    return DomainRuleRecord(
        purpose=purposes.get((stack.name, lid)),
        kind=kind,  # type: ignore[arg-type]
        domains=[str(d) for d in domains],
        logical_id=lid,
        stack=stack.name,
    )
