"""cdk-nag packs are attached, findings fail synthesis, acknowledgements carry reasons."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from airlock.compliance import PROJECT_OWNER, acknowledge, acknowledgement_id, attach_packs, read_report
from airlock.synth import is_validation_failure


def test_example_has_zero_unacknowledged_findings(example_synth):
    result, _ = example_synth
    assert result.passed
    assert result.compliance.findings == ()
    assert result.packs == ("AwsSolutions", "Airlock", "NIST.800.53.R5", "ControlTower")


def test_every_acknowledgement_has_a_real_reason(example_synth):
    result, _ = example_synth
    assert result.compliance.acknowledged
    for finding in result.compliance.acknowledged:
        assert finding.reason and len(finding.reason) >= 20, finding
        assert finding.owner == "saas-airlock", finding


def synth_with(tmp_path, build, packs=("NIST.800.53.R5",)):
    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    build(stack)
    attach_packs(app, packs)
    try:
        app.synth()
    except RuntimeError as exc:
        if not is_validation_failure(exc):
            raise
    return read_report(tmp_path)


def test_a_finding_fails_synthesis_and_is_reported(tmp_path):
    report = synth_with(tmp_path, lambda stack: sqs.Queue(stack, "Plain"))
    rules = {f.rule for f in report.findings}
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= rules
    assert not report.passed


def test_an_acknowledged_finding_passes_with_its_reason(tmp_path):
    def build(stack):
        queue = sqs.Queue(stack, "Plain", enforce_ssl=True, encryption=sqs.QueueEncryption.SQS_MANAGED)
        acknowledge(queue, "AwsSolutions-SQS3", reason="This queue is itself a dead-letter queue in the test.")

    report = synth_with(tmp_path, build, packs=())
    (ack,) = [f for f in report.acknowledged if f.rule == "AwsSolutions-SQS3"]
    assert ack.reason == "This queue is itself a dead-letter queue in the test."
    assert ack.owner == PROJECT_OWNER and ack.ticket is None
    assert not [f for f in report.findings if f.pack == "AwsSolutions"], report.findings


def test_airlock_checks_run_through_cdk_and_acknowledgements_record_owner_and_ticket(tmp_path):
    def build(stack):
        sqs.Queue(stack, "Plain")
        queue = sqs.Queue(stack, "Acknowledged")
        acknowledge(
            queue,
            "Airlock-QueueDeadLetter",
            reason="Consumers of this queue re-read from the source system on failure.",
            owner="team-orders",
            ticket="SEC-1234",
        )

    report = synth_with(tmp_path, build, packs=())
    failing = {(f.rule, f.path) for f in report.findings if f.pack == "Airlock"}
    assert ("Airlock-QueueDeadLetter", "S/Plain/Resource") in failing
    assert ("Airlock-QueueCustomerManagedKey", "S/Plain/Resource") in failing
    assert ("Airlock-QueueDeadLetter", "S/Acknowledged/Resource") not in failing
    (ack,) = [f for f in report.acknowledged if f.rule == "Airlock-QueueDeadLetter"]
    assert (ack.path, ack.owner, ack.ticket) == ("S/Acknowledged/Resource", "team-orders", "SEC-1234")


def test_control_tower_findings_are_acknowledged_by_their_plugin_id():
    assert acknowledgement_id("AwsSolutions-IAM5[Action::kms:Decrypt*]") == (
        "AwsSolutions::AwsSolutions-IAM5[Action::kms:Decrypt*]"
    )
    assert acknowledgement_id("cdk-validator-cfnguard::kms_create_grant_aws_service_check") == (
        "cdk-validator-cfnguard::kms_create_grant_aws_service_check"
    )


@pytest.mark.parametrize(("owner", "ticket"), [("", None), ("   ", None), ("team", " ")])
def test_acknowledgement_needs_an_owner_and_a_real_ticket(owner, ticket):
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="blank"):
        acknowledge(stack, "AwsSolutions-SQS3", reason="a reason that is long enough", owner=owner, ticket=ticket)


def test_key_policy_limits_grants_to_aws_services(example_assembly):
    """Control Tower's CT.KMS.PR.3: without this statement the ControlTower pack fails."""
    keys = example_assembly.resources("airlock-crm-eu-central-1", "AWS::KMS::Key")
    assert keys
    for key in keys.values():
        (deny,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Action") == "kms:CreateGrant"]
        assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"}
        assert deny["Condition"] == {
            "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
        }


def test_integration_stacks_declare_the_mandatory_tags(example_synth):
    from airlock.compliance.report import assembly_metadata
    from airlock.stacks.tags import MANDATORY_TAG_KEYS

    result, _ = example_synth
    declared = dict(assembly_metadata(result.outdir, "airlock:mandatory-tags"))
    assert set(declared) == {"airlock-crm-eu-central-1", "airlock-payroll-eu-central-1", "airlock-events-eu-west-1"}
    assert all(sorted(keys) == sorted(MANDATORY_TAG_KEYS) for keys in declared.values())


def test_a_plugin_that_crashes_is_a_finding(tmp_path):
    import json

    (tmp_path / "validation-report.json").write_text(
        json.dumps(
            {
                "pluginReports": [
                    {"pluginName": "X", "conclusion": "failure", "metadata": {"error": "boom"}, "violations": []}
                ]
            }
        )
    )
    report = read_report(tmp_path)
    assert not report.passed
    assert report.findings[0].rule == "plugin-error" and "boom" in report.findings[0].description


@pytest.mark.parametrize("reason", ["", "because", "  short reason  "])
def test_acknowledgement_needs_a_reason_of_twenty_characters(reason):
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="shorter than 20 characters"):
        acknowledge(stack, "AwsSolutions-SQS3", reason=reason)


def test_acknowledgement_needs_a_pack_prefix():
    stack = cdk.Stack(cdk.App(), "S")
    with pytest.raises(ValueError, match="no pack prefix"):
        acknowledge(stack, "SQS3", reason="a reason that is long enough")


def test_unknown_pack_is_refused():
    with pytest.raises(ValueError, match="unknown compliance packs"):
        attach_packs(cdk.App(), ["NIST.800.53.R9"])


def test_a_plugin_that_could_not_run_is_a_finding(tmp_path):
    # The shape an aws-cdk-lib release without appConstruct on the validation context writes.
    report = {
        "title": "Validation Report",
        "pluginReports": [
            {
                "summary": {
                    "pluginName": "AwsSolutions",
                    "status": "failure",
                    "metadata": {"error": "NagPack requires a construct tree on the validation context."},
                },
                "violations": [],
            }
        ],
    }
    (tmp_path / "policy-validation-report.json").write_text(json.dumps(report))
    result = read_report(tmp_path)
    assert not result.passed
    (finding,) = result.findings
    assert finding.rule == "plugin-error"
    assert finding.pack == "AwsSolutions"
    assert "construct tree" in finding.description


def test_a_validation_stop_is_a_failure_even_without_a_report(tmp_path):
    from airlock.synth import render_summary, summarize

    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {}}))
    result = summarize(tmp_path, validated=False)
    assert not result.passed
    assert "compliance: FAILED" in render_summary(result)


@pytest.mark.parametrize(("flag", "runs"), [(None, False), ("false", False), ("true", True)])
def test_cdk_builtin_cloudformation_validation_runs_only_when_asked(tmp_path, flag, runs):
    """airlock apps leave CloudFormation schema checks to cfn-lint unless the context asks for the CDK's own."""
    from datetime import date

    from airlock.spec import AccountLock, validate
    from airlock.stacks import build, new_app
    from airlock.stacks.landing_zone import CLOUDFORMATION_VALIDATION
    from tests.specs import spec_data

    app = new_app(tmp_path)
    if flag is not None:
        app.node.set_context(CLOUDFORMATION_VALIDATION, flag)
    build(app, validate(spec_data(), today=date(2026, 6, 1)), lock=AccountLock(), packs=())
    broken = cdk.Stack(app, "Broken", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    cdk.CfnResource(broken, "Queue", type="AWS::SQS::Queue", properties={"NoSuchProperty": 1})
    try:
        app.synth()
    except RuntimeError as exc:  # AwsSolutions flags the bare queue: that is not what this test is about
        if not is_validation_failure(exc):
            raise
    reports = json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"]
    schema = [r for r in reports if r["pluginName"] == "CloudFormation Validate"]
    assert bool(schema) is runs
    if runs:  # and when it runs, it finds what it is for
        assert any("NoSuchProperty" in json.dumps(v) for v in schema[0]["violations"])
