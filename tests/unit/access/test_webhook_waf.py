"""The web ACL model: priority order, first terminating action, the default action, and undecided."""

from __future__ import annotations

from types import SimpleNamespace

from airlock.access.flows_webhook import waf_decision
from airlock.access.model import Verdict

IP_SET = "arn:aws:wafv2:eu-central-1:280000000008:regional/ipset/hooks/ipset-1"


def acl(*rules, default="Block"):
    return SimpleNamespace(
        web_acl={"Rules": list(rules), "DefaultAction": {default: {}}}, ip_sets={IP_SET: ["192.30.252.0/22"]}
    )


def ip_rule(action, priority=5, **extra):
    return {
        "Name": f"{action}Set",
        "Priority": priority,
        "Action": {action: {}},
        "Statement": {"IPSetReferenceStatement": {"Arn": IP_SET, **extra}},
    }


def group(name, priority=0, override="None"):
    return {
        "Name": name,
        "Priority": priority,
        "OverrideAction": {override: {}},
        "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}},
    }


def test_the_allow_list_admits_its_ranges_and_the_default_blocks_the_rest():
    found = acl(group("AWSManagedRulesAmazonIpReputationList"), ip_rule("Allow"))
    assert waf_decision(found, "192.30.252.1").verdict is Verdict.ALLOW
    assert waf_decision(found, "203.0.113.200").verdict is Verdict.DENY


def test_rules_run_in_priority_order_and_the_first_terminating_one_decides():
    block_first = acl(ip_rule("Allow", priority=9), {**ip_rule("Block", priority=1), "Name": "BlockSet"})
    assert waf_decision(block_first, "192.30.252.1").verdict is Verdict.DENY
    counted = acl(ip_rule("Count", priority=1))
    assert waf_decision(counted, "192.30.252.1").verdict is Verdict.DENY  # Count does not terminate


def test_a_default_allow_admits_everyone():
    assert waf_decision(acl(default="Allow"), "203.0.113.200").verdict is Verdict.ALLOW


def test_what_is_not_modelled_is_undecided():
    unknown_group = acl(group("AWSManagedRulesBotControlRuleSet"), ip_rule("Allow"))
    assert waf_decision(unknown_group, "192.30.252.1").verdict is Verdict.UNDECIDED
    forwarded = acl(ip_rule("Allow", IPSetForwardedIPConfig={"HeaderName": "X-Forwarded-For"}))
    assert waf_decision(forwarded, "192.30.252.1").verdict is Verdict.UNDECIDED
    geo = acl({"Name": "Geo", "Priority": 0, "Action": {"Block": {}}, "Statement": {"GeoMatchStatement": {}}})
    assert waf_decision(geo, "192.30.252.1").verdict is Verdict.UNDECIDED


def test_no_web_acl_is_a_denial_with_the_reason():
    decision = waf_decision(SimpleNamespace(web_acl=None, ip_sets={}), "192.30.252.1")
    assert decision.verdict is Verdict.DENY and "no web ACL" in decision.reason
