"""The access proof on the default example: every flow allowed, every probe denied, access exact."""

from __future__ import annotations

import pytest

from airlock.access.proof import RULE_BEYOND, RULE_FLOW, prove
from airlock.spec import load_account_lock
from tests.conftest import EXAMPLE_SPEC


@pytest.fixture(scope="session")
def example_proof(example_assembly, example_spec):
    return prove(example_assembly.outdir, example_spec, load_account_lock(EXAMPLE_SPEC))


def test_every_declared_flow_of_the_example_is_allowed_step_by_step(example_proof):
    flows = {(f.integration, f.name): f for f in example_proof.flows}
    broken = [f"{f.integration}: {f.name}: {f.broken().title}" for f in flows.values() if not f.passed]
    assert broken == []
    expected = {
        ("payroll", "drop zone announces files on payroll-files"),
        ("payroll", "arn:aws:iam::300000000001:role/hr-payroll-processor reads the files under drop/ledgerly/"),
        ("payroll", "data flow payroll-files"),
        ("crm", "data flow crm-events"),
        ("crm", "vendor endpoint nimbus-api (eu-central-1)"),
        ("crm", "exposed API order-status (eu-central-1)"),
        ("crm", "service endpoint sqs (eu-central-1)"),
        ("events", "egress to ingest.pulsewire.example (eu-west-1)"),
        ("events", "data flow tracking-events"),
    }
    assert expected <= set(flows)
    # Each step is a decision AWS makes, not a placeholder: every step names who decided.
    for flow in flows.values():
        for step in flow.steps:
            assert step.decision.allowed and step.decision.reason, (flow.name, step.title)


def test_a_file_drop_is_proven_end_to_end(example_proof):
    (flow,) = [f for f in example_proof.flows if f.name == "data flow payroll-files"]
    actions = [step.detail.get("action") for step in flow.steps if step.kind == "iam"]
    assert actions[:4] == ["sts:AssumeRole", "s3:PutObject", "kms:GenerateDataKey", "kms:Decrypt"]
    assert (
        "sqs:SendMessage" in actions
        and "sqs:ReceiveMessage" in actions
        and actions[-3:]
        == [
            "s3:GetObject",
            "s3:GetObjectVersion",
            "kms:Decrypt",
        ]
    )
    event = next(s for s in flow.steps if s.detail.get("principal") == "s3.amazonaws.com")
    assert event.detail["context"]["aws:sourcearn"] == ["arn:aws:s3:::airlock-payroll-220000000002-eu-central-1"]


def test_every_probe_of_the_example_is_denied(example_proof):
    allowed = [f"{p.integration}: {p.name}: {p.step.decision.reason}" for p in example_proof.probes if not p.passed]
    assert allowed == []
    names = {p.name for p in example_proof.probes}
    for misuse in (
        "assume role without the external id",
        "assume role with a wrong external id",
        "leave the organization",
        "delete the flow logs",
        "stop the trail",
        "create an internet gateway without declared egress",
        "iam:CreateRole on cdk-hnb659fds-escape",
        "iam:PassRole on cdk-hnb659fds-cfn-exec-role-210000000001-eu-central-1",
        "another organization reads buffer payroll-files",
        "s3:PutObject outside the granted prefixes (arn:aws:s3:::airlock-payroll-220000000002-eu-central-1/...)",
    ):
        assert misuse in names, misuse
    assert any(name.startswith("quarantined:") for name in names)
    assert any(name.startswith("sqs:SendMessage on crm's Bufferscrmevents") for name in names)
    assert any(name.startswith("kms:Decrypt on events's") for name in names)


def test_each_vendors_effective_access_equals_its_grants(example_proof):
    results = {r.integration: r for r in example_proof.access}
    assert set(results) == {"crm", "payroll", "events"}
    for result in results.values():
        assert result.beyond == [] and result.ineffective == [] and result.undecided == []
        assert result.pruned > 10_000  # every other action of the catalogue is implicitly denied
    payroll = sorted((a.action, a.resource, a.via) for a in results["payroll"].allowed)
    bucket, queue = "arn:aws:s3:::airlock-payroll-220000000002-eu-central-1", "arn:aws:sqs:eu-central-1:220000000002"
    assert ("s3:PutObject", f"{bucket}/drop/ledgerly/airlock-proof.csv", "direct") in payroll
    assert ("sqs:SendMessage", f"{queue}:airlock-payroll-payroll-files", "direct") in payroll
    assert ("sts:AssumeRole", "arn:aws:iam::220000000002:role/airlock-payroll-vendor", "direct") in payroll
    assert all(not action.startswith(("iam:", "s3:GetObject", "sqs:ReceiveMessage")) for action, _, _ in payroll)
    assert sorted((a, via) for a, r, via in payroll if a.startswith("kms:")) == [
        ("kms:Decrypt", "s3"),
        ("kms:Decrypt", "sqs"),
        ("kms:GenerateDataKey", "s3"),
        ("kms:GenerateDataKey", "sqs"),
    ]


def test_every_stack_and_bootstrap_instance_is_deployable_under_its_scps(example_proof):
    deploy = example_proof.deploy
    assert deploy is not None and deploy.denials == []
    # 7 stacks (3 of them account stacks), the bootstrap StackSet in 3 accounts x 2 regions, the
    # break-glass role in 3 accounts
    assert deploy.stacks == 7 + 6 + 3
    assert deploy.checked > 1000


def test_the_proof_has_no_failures_and_names_its_assumptions(example_proof):
    assert example_proof.failures() == []
    assert any("adopted account 210000000001" in a for a in example_proof.assumptions)


def test_rules_are_stable_identifiers():
    assert (RULE_FLOW, RULE_BEYOND) == ("Access-Flow", "Access-BeyondGrants")
