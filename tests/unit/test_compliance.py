"""cdk-nag packs are attached, findings fail synthesis, acknowledgements carry reasons."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sqs as sqs

from airlock.compliance import acknowledge, attach_packs, read_report
from airlock.synth import is_validation_failure


def test_example_has_zero_unacknowledged_findings(example_synth):
    result, _ = example_synth
    assert result.passed
    assert result.compliance.findings == ()
    assert result.packs == ("AwsSolutions", "NIST.800.53.R5")


def test_every_acknowledgement_has_a_real_reason(example_synth):
    result, _ = example_synth
    assert result.compliance.acknowledged
    for finding in result.compliance.acknowledged:
        assert finding.reason and len(finding.reason) >= 20, finding


def synth_with(tmp_path, build):
    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    stack = cdk.Stack(app, "S", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    build(stack)
    attach_packs(app)
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

    report = synth_with(tmp_path, build)
    assert report.passed, report.findings
    (ack,) = [f for f in report.acknowledged if f.rule == "AwsSolutions-SQS3"]
    assert ack.reason == "This queue is itself a dead-letter queue in the test."


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
    assert finding.rule == "AwsSolutions-PluginFailed"
    assert "construct tree" in finding.description


def test_a_validation_stop_is_a_failure_even_without_a_report(tmp_path):
    from airlock.synth import render_summary, summarize

    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {}}))
    result = summarize(tmp_path, validated=False)
    assert not result.passed
    assert "compliance: FAILED" in render_summary(result)
