"""Acknowledging a rule by its id covers its evidence-specific findings on that construct (compliance.by_rule)."""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from airlock.compliance import acknowledge
from tests.unit.test_compliance import synth_with

REASON = "The test role's wildcard is what this test is about, nothing reads with it."


def wildcard_role(stack, name: str) -> iam.Role:
    role = iam.Role(stack, name, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    role.add_to_policy(iam.PolicyStatement(actions=["s3:Get*"], resources=["*"]))
    return role


def iam5(findings, path_part: str) -> set[str]:
    return {f.rule for f in findings if f.rule.startswith("AwsSolutions-IAM5[") and path_part in f.path}


def test_without_an_acknowledgement_each_piece_of_evidence_is_a_finding(tmp_path):
    report = synth_with(tmp_path, lambda stack: wildcard_role(stack, "Reader"), packs=())
    assert iam5(report.findings, "Reader") == {"AwsSolutions-IAM5[Action::s3:Get*]", "AwsSolutions-IAM5[Resource::*]"}


def test_the_rule_id_covers_every_evidence_specific_finding_with_the_reason_per_finding(tmp_path):
    def build(stack):
        role = wildcard_role(stack, "Reader")
        acknowledge(role, "AwsSolutions-IAM5", reason=REASON, owner="team-orders", ticket="SEC-42")

    report = synth_with(tmp_path, build, packs=())
    assert not iam5(report.findings, "Reader")
    acknowledged = [f for f in report.acknowledged if f.rule.startswith("AwsSolutions-IAM5[")]
    assert {f.rule for f in acknowledged} == {"AwsSolutions-IAM5[Action::s3:Get*]", "AwsSolutions-IAM5[Resource::*]"}
    for finding in acknowledged:
        assert finding.reason == REASON
        assert (finding.owner, finding.ticket) == ("team-orders", "SEC-42")
        assert finding.acknowledgement_id == "AwsSolutions::AwsSolutions-IAM5"
        assert finding.path.startswith("S/Reader/")


def test_the_rule_id_covers_only_the_construct_it_was_made_on(tmp_path):
    def build(stack):
        acknowledge(wildcard_role(stack, "Reader"), "AwsSolutions-IAM5", reason=REASON)
        wildcard_role(stack, "Other")

    report = synth_with(tmp_path, build, packs=())
    assert not iam5(report.findings, "Reader")
    assert iam5(report.findings, "Other") == {"AwsSolutions-IAM5[Action::s3:Get*]", "AwsSolutions-IAM5[Resource::*]"}


def test_an_exact_acknowledgement_still_covers_only_its_own_evidence(tmp_path):
    def build(stack):
        acknowledge(wildcard_role(stack, "Reader"), "AwsSolutions-IAM5[Resource::*]", reason=REASON)

    report = synth_with(tmp_path, build, packs=())
    assert iam5(report.findings, "Reader") == {"AwsSolutions-IAM5[Action::s3:Get*]"}
    (ack,) = [f for f in report.acknowledged if f.rule.startswith("AwsSolutions-IAM5[")]
    assert ack.rule == "AwsSolutions-IAM5[Resource::*]"
