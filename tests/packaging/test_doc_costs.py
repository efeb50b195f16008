"""docs/costs.md counts the example's priced resources as the synthesized templates hold them."""

from __future__ import annotations

import json
import re
from collections import Counter

from tests.conftest import ROOT

COSTS = ROOT / "docs" / "costs.md"
COLUMNS = (
    "endpoint-AZs",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::NetworkFirewall::Firewall",
    "AWS::EC2::NatGateway",
    "AWS::EC2::EIP",
    "AWS::KMS::Key",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
)


def documented() -> dict[str, list[int]]:
    table = COSTS.read_text().split("<!-- counts:", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("|").split("|") for line in table.splitlines()[3:]]
    return {cells[0].strip(): [int(c) for c in cells[1:9]] for cells in rows}


def counted(template: dict) -> list[int]:
    resources = template["Resources"].values()
    types = Counter(r["Type"] for r in resources)
    endpoint_azs = sum(
        len(r["Properties"].get("SubnetIds", [])) for r in resources if r["Type"] == "AWS::EC2::VPCEndpoint"
    )
    return [endpoint_azs, *(types[t] for t in COLUMNS[1:])]


def test_the_cost_table_matches_the_example_templates(example_assembly):
    found = {}
    for path in example_assembly.outdir.glob("airlock-*-*.template.json"):
        stack = re.fullmatch(r"airlock-(.+?)-[a-z]{2}-[a-z]+-\d\.template\.json", path.name)
        if stack is not None:  # an integration stack, not one of the organization's
            found[stack.group(1)] = counted(json.loads(path.read_text()))
    assert documented() == found
