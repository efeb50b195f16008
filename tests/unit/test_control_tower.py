"""ControlTowerChecks: the verdicts of the plain cdk-validator-cfnguard plugin, for a fraction of the work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import cloudformation_include as cfn_inc

from airlock.compliance.control_tower import PLUGIN_NAME, ControlTowerChecks, guard, parse_rule, plan
from airlock.synth import is_validation_failure

OPEN = "0.0.0.0/0"


def _insecure(stack: cdk.Stack) -> None:
    """Resources of many types, each breaking Control Tower rules, some through references."""
    key = cdk.CfnResource(
        stack,
        "Key",
        type="AWS::KMS::Key",
        properties={
            "EnableKeyRotation": False,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}],
            },
        },
    )
    dlq = cdk.CfnResource(stack, "DeadLetters", type="AWS::SQS::Queue", properties={})
    cdk.CfnResource(
        stack,
        "Queue",
        type="AWS::SQS::Queue",
        properties={
            "KmsMasterKeyId": key.ref,
            "RedrivePolicy": {"deadLetterTargetArn": dlq.get_att("Arn"), "maxReceiveCount": 3},
        },
    )
    cdk.CfnResource(stack, "Bucket", type="AWS::S3::Bucket", properties={})
    cdk.CfnResource(stack, "Topic", type="AWS::SNS::Topic", properties={})
    cdk.CfnResource(stack, "Logs", type="AWS::Logs::LogGroup", properties={})
    group = cdk.CfnResource(
        stack,
        "Ssh",
        type="AWS::EC2::SecurityGroup",
        properties={
            "GroupDescription": "open",
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": OPEN}],
        },
    )
    cdk.CfnResource(
        stack,
        "Rdp",
        type="AWS::EC2::SecurityGroupIngress",
        properties={"GroupId": group.ref, "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIp": OPEN},
    )
    cdk.CfnResource(
        stack,
        "Database",
        type="AWS::RDS::DBInstance",
        properties={
            "DBInstanceClass": "db.t3.micro",
            "Engine": "mysql",
            "PubliclyAccessible": True,
            "KmsKeyId": key.ref,
        },
    )
    cdk.CfnResource(stack, "Table", type="AWS::DynamoDB::Table", properties={"KeySchema": []})
    cdk.CfnResource(
        stack,
        "Admin",
        type="AWS::IAM::Role",
        properties={
            "AssumeRolePolicyDocument": {
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]
            },
            "Policies": [
                {
                    "PolicyName": "all",
                    "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                }
            ],
        },
    )
    cdk.CfnResource(stack, "Balancer", type="AWS::ElasticLoadBalancingV2::LoadBalancer", properties={})


def _verdicts(tmp: Path, plugin: cdk.IPolicyValidationPlugin, included: list[Path]) -> tuple[str, list[Any]]:
    """Synthesize the test app with only ``plugin``; return its conclusion and every violation."""
    app = cdk.App(
        outdir=str(tmp),
        analytics_reporting=False,
        builtin_cloud_formation_validation=False,
        context={"@aws-cdk/core:validationReportJson": True},
    )
    _insecure(cdk.Stack(app, "Insecure"))
    for number, template in enumerate(included):
        # an included template brings its own BootstrapVersion parameter and rule
        example = cdk.Stack(app, f"Example{number}", synthesizer=cdk.BootstraplessSynthesizer())
        cfn_inc.CfnInclude(example, "Included", template_file=str(template))
    cdk.Validations.of(app).add_plugins(plugin)
    try:
        app.synth()
    except RuntimeError as exc:
        if not is_validation_failure(exc):
            raise
    (report,) = json.loads((tmp / "validation-report.json").read_text())["pluginReports"]
    assert report["pluginName"] == PLUGIN_NAME
    rows = []
    for violation in report["violations"]:
        for found in violation["violatingConstructs"]:
            found = {key: value for key, value in found.items() if key != "stackTraces"}
            where = found.get("cloudFormationResource", {})
            rows.append(
                (
                    violation["ruleName"],
                    violation["description"],
                    violation.get("suggestedFix"),
                    violation.get("severity"),
                    where.get("templatePath"),
                    json.dumps(found, sort_keys=True),
                )
            )
    return report["conclusion"], sorted(rows, key=json.dumps)


@pytest.fixture(scope="module")
def both_verdicts(tmp_path_factory, example_synth):
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

    _, assembly = example_synth
    # the example's integrations between them hold every resource type airlock deploys
    included = sorted(
        p for p in assembly.outdir.glob("airlock-*-*.template.json") if not p.name.startswith("airlock-organization")
    )
    assert len(included) == 3, included
    plain = _verdicts(tmp_path_factory.mktemp("plain"), CfnGuardValidator(control_tower_rules_enabled=True), included)
    ours = _verdicts(tmp_path_factory.mktemp("ours"), ControlTowerChecks(), included)
    return plain, ours


def test_gives_exactly_the_verdicts_of_the_plain_plugin(both_verdicts):
    plain, ours = both_verdicts
    assert ours == plain


def test_the_comparison_has_teeth(both_verdicts):
    (conclusion, rows), _ = both_verdicts
    assert conclusion == "failure"
    rules = {row[0] for row in rows}
    assert len(rules) >= 15, sorted(rules)
    assert {row[4] for row in rows} - {None} == {
        "Insecure.template.json",
        "Example0.template.json",
        "Example1.template.json",
        "Example2.template.json",
    }


def test_reports_every_control_tower_rule_id_of_the_package():
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

    plain = CfnGuardValidator(control_tower_rules_enabled=True)
    ours = ControlTowerChecks()
    assert ours.name == plain.name == PLUGIN_NAME
    assert ours.version == plain.version
    assert sorted(ours.rule_ids or []) == sorted(plain.rule_ids or [])
    assert len(guard().rules) == len(plain.rule_ids or []) > 200


def test_reads_the_types_a_rule_reports_on_and_the_types_it_reads(tmp_path):
    text = (
        '# Reports on:\n#    AWS::SQS::Queue\n# \nlet SQS_QUEUE_TYPE = "AWS::SQS::Queue"\nlet KEY = "AWS::KMS::Key"\n'
    )
    rule = parse_rule(tmp_path / "ct-sqs-pr-2.guard", text)
    assert rule.id == "sqspr2"
    assert rule.reports_on == {"AWS::SQS::Queue"}
    assert rule.reads == {"AWS::SQS::Queue", "AWS::KMS::Key"}
    headless = parse_rule(tmp_path / "ct-x-pr-1.guard", 'let T = "AWS::S3::Bucket"\n')
    assert headless.reports_on == headless.reads == {"AWS::S3::Bucket"}


def test_every_packaged_rule_names_what_it_reports_on():
    for rule in guard().rules:
        assert rule.reports_on, rule.path
        assert rule.reports_on <= rule.reads, rule.path


def test_plan_runs_a_rule_only_where_its_type_is_and_trims_the_rest(tmp_path):
    queue_rule = parse_rule(
        tmp_path / "ct-sqs-pr-1.guard", '# Reports on:\n#   AWS::SQS::Queue\n# \nlet a = "AWS::KMS::Key"\n'
    )
    twin = parse_rule(
        tmp_path / "ct-sqs-pr-3.guard", '# Reports on:\n#   AWS::SQS::Queue\n# \nlet a = "AWS::KMS::Key"\n'
    )
    bucket_rule = parse_rule(tmp_path / "ct-s3-pr-1.guard", "# Reports on:\n#   AWS::S3::Bucket\n# \n")
    with_queue = {
        "Parameters": {"P": {"Type": "String"}},
        "Resources": {
            "Q": {"Type": "AWS::SQS::Queue"},
            "K": {"Type": "AWS::KMS::Key"},
            "R": {"Type": "AWS::IAM::Role"},
        },
    }
    keys_only = {"Resources": {"K": {"Type": "AWS::KMS::Key"}}}
    runs = plan({"a.json": with_queue, "b.json": keys_only}, (queue_rule, twin, bucket_rule))
    ((rules, trimmed),) = runs  # no bucket anywhere: the bucket rule does not run
    assert [r.id for r in rules] == ["sqspr1", "sqspr3"]  # rules reading the same types share a run
    assert list(trimmed) == ["a.json"]  # a template with keys but no queue is not the queue rules' business
    assert trimmed["a.json"]["Resources"] == {"Q": {"Type": "AWS::SQS::Queue"}, "K": {"Type": "AWS::KMS::Key"}}
    assert trimmed["a.json"]["Parameters"] == with_queue["Parameters"]


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match=r"workers 0 must be at least 1; leave it out for one per CPU"):
        ControlTowerChecks(workers=0)
