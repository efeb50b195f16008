"""The data perimeter in the access proof: the resource control policies (RCPs) decide.

RCPs are evaluated as their own layer of the resource's account, with ``RCPFullAWSAccess``
implicit (AWS Organizations User Guide, "Resource control policies",
https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html: "RCPs
alone are not sufficient in granting permissions ... An RCP defines a permissions guardrail"):
an explicit deny in one denies whatever the resource's own policy allows.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airlock.access.proof import RULE_PROBE, prove
from airlock.spec import load_account_lock
from tests.conftest import EXAMPLE_SPEC

Template = dict[str, Any]
FOREIGN = "another organization reads buffer crm-events"


def _copy(source: Path, target: Path, edits: dict[str, Callable[[Template], None]]) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.assets.json", "tree.json"))
    for pattern, edit in edits.items():
        paths = sorted(target.glob(f"{pattern}.template.json"))
        assert paths, pattern
        for path in paths:
            template = json.loads(path.read_text())
            edit(template)
            path.write_text(json.dumps(template))
    return target


def _widen_queue_policies(template: Template) -> None:
    """A hand edit: every queue policy also allows everyone everything (Principal "*")."""
    widened = 0
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::SQS::QueuePolicy":
            resource["Properties"]["PolicyDocument"]["Statement"].append(
                {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}
            )
            widened += 1
    assert widened


def _drop_rcps(template: Template) -> None:
    kept = {
        key: value
        for key, value in template["Resources"].items()
        if not (
            value["Type"] == "AWS::Organizations::Policy"
            and value["Properties"]["Type"] == "RESOURCE_CONTROL_POLICY"
            and value["Properties"]["Name"].startswith("airlock-rcp-integration-crm-")
        )
    }
    template["Resources"] = kept


@pytest.fixture
def prove_with(example_assembly, example_spec, tmp_path):
    def run(edits: dict[str, Callable[[Template], None]]):
        folder = _copy(example_assembly.outdir, tmp_path / "cdk.out", edits)
        return prove(folder, example_spec, load_account_lock(EXAMPLE_SPEC), names=["crm"])

    return run


@pytest.fixture(scope="module")
def proof(example_assembly, example_spec):
    return prove(example_assembly.outdir, example_spec, load_account_lock(EXAMPLE_SPEC))


def test_a_queue_policy_widened_to_everyone_still_denies_another_organization(prove_with):
    found = prove_with({"airlock-crm-eu-central-1": _widen_queue_policies})
    (foreign,) = [p for p in found.probes if p.name == FOREIGN]
    assert foreign.passed
    assert "RCP 'airlock-rcp-integration-crm-1'" in foreign.step.decision.reason
    assert "AirlockPerimeterIdentities" in foreign.step.decision.reason
    assert [f for f in found.failures() if f.rule == RULE_PROBE] == []


def test_without_the_rcp_the_widened_queue_policy_lets_another_organization_in(prove_with):
    found = prove_with({"airlock-crm-eu-central-1": _widen_queue_policies, "airlock-organization*": _drop_rcps})
    messages = [f.message for f in found.failures() if f.rule == RULE_PROBE]
    assert any(FOREIGN in message for message in messages), messages
    assert any("widened policy: another organization calls sqs:ReceiveMessage" in m for m in messages), messages


def test_every_widened_policy_probe_is_denied_by_the_accounts_rcp(proof):
    widened = [p for p in proof.probes if p.name.startswith("widened policy:")]
    covered = {p.step.detail["action"] for p in widened}
    assert {"sqs:ReceiveMessage", "kms:Decrypt", "sts:AssumeRole", "s3:GetObject"} <= covered
    for p in widened:
        assert p.passed and f"RCP 'airlock-rcp-integration-{p.integration}-1'" in p.step.decision.reason, p.name


def test_requests_without_tls_are_denied_by_the_rcp(proof):
    plain = [p for p in proof.probes if p.name.startswith("without TLS:")]
    assert {p.integration for p in plain} == {"crm", "payroll", "events"}
    for p in plain:
        assert p.passed and "AirlockPerimeterSecureTransport" in p.step.decision.reason, (p.name, p.step.decision)


def test_a_quarantined_vendor_is_denied_on_every_resource_by_the_quarantine_rcp(proof):
    quarantined = [p for p in proof.probes if p.name.startswith("quarantined (RCP):")]
    names = {(p.integration, p.name) for p in quarantined}
    assert ("crm", "quarantined (RCP): the vendor assumes its role") in names
    assert any(n.startswith("quarantined (RCP): the vendor calls sqs:ReceiveMessage") for _, n in names)
    assert any(n.startswith("quarantined (RCP): the vendor's session calls kms:Decrypt") for _, n in names)
    for p in quarantined:
        assert p.passed and "RCP 'airlock-quarantine-rcp'" in p.step.decision.reason, (p.name, p.step.decision)


def test_declared_vendors_and_aws_services_pass_the_rcp(proof):
    """The vendor's AssumeRole (a principal outside the organisation, of a declared vendor account)
    and S3's event to the notify buffer (a service for a source of the organisation) pass every
    RCP level: the flows hold, and each step's allowing layers include the RCP level (its implicit
    ``RCPFullAWSAccess``), which the account's deny-only RCP did not override."""
    flows = {(f.integration, f.name): f for f in proof.flows}
    assume = flows[("crm", "data flow crm-events")].steps[0]
    assert assume.detail["action"] == "sts:AssumeRole" and assume.decision.allowed
    assert ("rcp", "RCPFullAWSAccess") in {(s.kind, s.name) for s in assume.decision.deciding}
    drop = flows[("payroll", "drop zone announces files on payroll-files")]
    event = next(s for s in drop.steps if s.detail.get("principal") == "s3.amazonaws.com")
    assert event.decision.allowed
    assert event.detail["context"]["aws:sourceorgid"] == ["o-c0nt0s0fr8"]
    assert ("rcp", "RCPFullAWSAccess") in {(s.kind, s.name) for s in event.decision.deciding}


def test_an_account_without_declared_egress_cannot_exclude_its_vpc_from_block_public_access(proof):
    name = "exclude the VPC from Block Public Access without declared egress"
    found = {p.integration: p for p in proof.probes if p.name == name}
    assert set(found) == {"crm", "payroll"}  # events declares filtered egress: its deployment role makes them
    for p in found.values():
        assert p.passed and "AirlockDenyInternetGateway" in p.step.decision.reason, p.step.decision
