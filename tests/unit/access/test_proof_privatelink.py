"""The proof of PrivateLink as vendors document it: port ranges, hosted-zone names and their CNAME
targets through the DNS Firewall, the VPC's own names; and the mutations that must break it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from airlock.access.model import Source, Verdict
from airlock.access.network import DnsRule, resolve_name
from airlock.access.probes_network import PUBLIC_REVERSE_LOOKUP, undeclared_ports
from airlock.access.proof import RULE_FLOW, RULE_PROBE, RULE_UNDECIDED, prove
from airlock.spec import load, load_account_lock

Template = dict[str, Any]

CONFLUENT = ("confluent-privatelink", "airlock-streaming-eu-central-1", "streaming")
MONGODB = ("mongodb-atlas-privatelink", "airlock-shipment-db-eu-central-1", "shipment-db")


@pytest.fixture(scope="session")
def proven(recipe_check):
    cache = {}

    def proof(name):
        if name not in cache:
            checked = recipe_check(name)
            cache[name] = prove(checked.assembly.outdir, load(checked.spec), load_account_lock(checked.spec))
        return cache[name]

    return proof


@pytest.fixture
def broken(recipe_check, tmp_path) -> Callable[[tuple[str, str, str], Callable[[Template], None]], list]:
    """The proof's failures after ``edit`` changed the recipe's integration template."""

    def run(recipe: tuple[str, str, str], edit: Callable[[Template], None], keep: bool = False) -> Any:
        name, stack, integration = recipe
        checked = recipe_check(name)
        target = tmp_path / "cdk.out"
        shutil.copytree(checked.assembly.outdir, target, ignore=shutil.ignore_patterns("*.assets.json", "tree.json"))
        path = target / f"{stack}.template.json"
        template = json.loads(path.read_text())
        edit(template)
        path.write_text(json.dumps(template))
        proof = prove(target, load(checked.spec), load_account_lock(checked.spec), names=[integration])
        return [(f.rule, f.message) for f in proof.failures()] if not keep else proof

    return run


@pytest.fixture
def mutated_proof(broken):
    def run(recipe: tuple[str, str, str], edit: Callable[[Template], None]) -> Any:
        return broken(recipe, edit, keep=True)

    return run


def _of_type(template: Template, type_: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _flow(proof, prefix: str):
    (flow,) = [f for f in proof.flows if f.name.startswith(prefix)]
    return flow


def test_a_hosted_zone_name_resolves_through_the_zone_and_the_firewall_to_the_endpoint(proven):
    proof = proven("confluent-privatelink")
    assert proof.failures() == []
    flow = _flow(proof, "vendor endpoint confluent-gateway")
    assert flow.passed
    titles = [step.title for step in flow.steps]
    query = "airlock-proof.eu-central-1.aws.private.confluent.cloud"
    zone_step = next(s for s in flow.steps if s.detail.get("zone") == "eu-central-1.aws.private.confluent.cloud")
    assert zone_step.detail["query"] == query
    assert zone_step.decision.verdict is Verdict.ALLOW and "CNAME" in zone_step.decision.reason
    (resolved,) = [s for s in flow.steps if s.kind == "dns" and s.detail.get("cname_chain")]
    assert resolved.detail["query"] == query
    (target,) = resolved.detail["cname_chain"]
    assert target.endswith(".vpce-svc-0c6f7e8d9a0b1c2d3.eu-central-1.vpce.amazonaws.com")
    assert "TRUST" not in resolved.decision.reason and "priority 150" in resolved.decision.reason
    assert [t for t in titles if "on port 443" in t] and [t for t in titles if "on port 9092" in t]


def test_a_port_range_is_proven_end_to_end_and_the_ports_beside_it_are_denied(proven):
    proof = proven("mongodb-atlas-privatelink")
    assert proof.failures() == []
    flow = _flow(proof, "vendor endpoint atlas-cluster")
    (connect,) = [s for s in flow.steps if s.kind == "network"]
    assert connect.detail["port"] == "1024-65535" and connect.decision.verdict is Verdict.ALLOW
    probes = {p.name: p for p in proof.probes}
    assert probes["connect to vendor endpoint atlas-cluster on undeclared port 1023"].passed
    assert "connect to vendor endpoint atlas-cluster on undeclared port 65536" not in probes


def test_the_vpcs_own_names_resolve_and_public_reverse_lookups_do_not(proven):
    proof = proven("mongodb-atlas-privatelink")
    flow = _flow(proof, "the VPC's own names resolve")
    assert flow.passed
    assert [s.detail["query"] for s in flow.steps] == [
        "ip-10-30-12-10.eu-central-1.compute.internal",
        "10.12.30.10.in-addr.arpa",
    ]
    probes = {p.name: p for p in proof.probes}
    reverse = probes[f"reverse lookup of a public address ({PUBLIC_REVERSE_LOOKUP})"]
    assert reverse.passed and "NXDOMAIN" in reverse.step.decision.reason
    assert probes["resolve exfiltration-probe.airlock.invalid"].passed


def test_removing_the_record_breaks_the_flow_at_the_zone(broken):
    def edit(template: Template) -> None:
        for logical_id in _of_type(template, "AWS::Route53::RecordSet"):
            del template["Resources"][logical_id]

    found = broken(CONFLUENT, edit)
    assert any(
        rule == RULE_FLOW
        and "vendor endpoint confluent-gateway" in message
        and "has no record for airlock-proof.eu-central-1.aws.private.confluent.cloud" in message
        for rule, message in found
    ), found


def test_a_zone_whose_name_is_unknown_before_deployment_is_undecided(broken):
    def edit(template: Template) -> None:
        for zone in _of_type(template, "AWS::Route53::HostedZone").values():
            zone["Properties"]["Name"] = {"Fn::ImportValue": "zone-name-of-another-stack"}

    found = broken(CONFLUENT, edit)
    assert any(rule == RULE_UNDECIDED and "is not known before deployment" in message for rule, message in found), found


def test_inspecting_the_cname_chain_without_the_endpoints_names_blocks_the_target(mutated_proof):
    """With INSPECT_REDIRECTION_DOMAIN the endpoint's name a record leads to must be allowed itself."""

    def edit(template: Template) -> None:
        lists = _of_type(template, "AWS::Route53Resolver::FirewallDomainList")
        for domain_list in lists.values():
            domains = domain_list["Properties"]["Domains"]
            domain_list["Properties"]["Domains"] = [d for d in domains if "vpce.amazonaws.com" not in d]
        for group in _of_type(template, "AWS::Route53Resolver::FirewallRuleGroup").values():
            for rule in group["Properties"]["FirewallRules"]:
                if rule.get("FirewallDomainRedirectionAction") == "TRUST_REDIRECTION_DOMAIN":
                    rule["FirewallDomainRedirectionAction"] = "INSPECT_REDIRECTION_DOMAIN"

    proof = mutated_proof(CONFLUENT, edit)
    flow = _flow(proof, "vendor endpoint confluent-gateway")
    (chain,) = [s for s in flow.steps if s.detail.get("cname_chain")]
    assert chain.decision.verdict is Verdict.DENY
    assert "(CNAME target of airlock-proof.eu-central-1.aws.private.confluent.cloud)" in chain.decision.reason
    assert "priority 200 BLOCK" in chain.decision.reason and not flow.passed


def test_a_narrowed_range_rule_breaks_the_flow_at_the_first_port_it_misses(broken):
    def edit(template: Template) -> None:
        for group in _of_type(template, "AWS::EC2::SecurityGroup").values():
            for rule in group["Properties"].get("SecurityGroupIngress", []):
                if rule.get("ToPort") == 65535:
                    rule["ToPort"] = 60000

    found = broken(MONGODB, edit)
    assert any(
        rule == RULE_FLOW and "on ports 1024-65535" in message and "on port 60001 (of 1024-65535)" in message
        for rule, message in found
    ), found


def test_trusting_every_reverse_lookup_fails_the_public_reverse_lookup_probe(broken):
    def edit(template: Template) -> None:
        for domain_list in _of_type(template, "AWS::Route53Resolver::FirewallDomainList").values():
            domains = domain_list["Properties"]["Domains"]
            if "*.eu-central-1.compute.internal" in domains:
                domains.append("*.in-addr.arpa")

    found = broken(MONGODB, edit)
    assert any(rule == RULE_PROBE and PUBLIC_REVERSE_LOOKUP in message for rule, message in found), found


def test_blocking_the_vpcs_own_names_breaks_their_flow(broken):
    def edit(template: Template) -> None:
        for domain_list in _of_type(template, "AWS::Route53Resolver::FirewallDomainList").values():
            props = domain_list["Properties"]
            props["Domains"] = [d for d in props["Domains"] if "compute.internal" not in d]

    found = broken(MONGODB, edit)
    assert any(
        rule == RULE_FLOW and "the VPC's own names resolve" in message and "compute.internal" in message
        for rule, message in found
    ), found


def _rule(priority: int, action: str, domains: tuple[str, ...], redirection: str) -> DnsRule:
    return DnsRule(
        priority, action, domains, redirection, "NXDOMAIN" if action == "BLOCK" else None, Source("dns-firewall")
    )


@pytest.mark.parametrize(
    ("redirection", "verdict"),
    [("INSPECT_REDIRECTION_DOMAIN", Verdict.DENY), ("TRUST_REDIRECTION_DOMAIN", Verdict.ALLOW)],
)
def test_a_cname_target_off_the_list_is_blocked_only_when_the_chain_is_inspected(redirection, verdict):
    """FirewallDomainRedirectionAction: INSPECT_REDIRECTION_DOMAIN "inspects all domains in the redirection
    chain"; TRUST_REDIRECTION_DOMAIN "inspects only the first domain" (Route 53 Resolver API reference,
    FirewallRule)."""
    rules = [
        _rule(100, "ALLOW", ("*.vendor.example",), redirection),
        _rule(200, "BLOCK", ("*",), "INSPECT_REDIRECTION_DOMAIN"),
    ]
    decision = resolve_name(rules, "api.vendor.example", ("edge.cdn.example",))
    assert decision.verdict is verdict
    listed = [_rule(100, "ALLOW", ("*.vendor.example", "edge.cdn.example"), redirection), rules[1]]
    assert resolve_name(listed, "api.vendor.example", ("edge.cdn.example",)).verdict is Verdict.ALLOW


@pytest.mark.parametrize(
    ("ports", "expected"),
    [
        ([443], [442, 444]),
        ([443, 444], [442, 445]),
        (["1024-65535"], [1023]),
        ([1, "8443-8451"], [2, 8442, 8452]),
    ],
)
def test_the_ports_probed_are_the_undeclared_neighbours(ports, expected):
    assert undeclared_ports(ports) == expected
