"""The optional deployment pipeline: compliant, organization first, integrations in waves per region."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from airlock.limits import breaches, stack_artifacts
from airlock.spec import SpecError, validate
from airlock.stacks.pipeline import CDK_CLI_VERSION, INSTALL_COMMANDS, PIPELINE_STACK, SYNTH_COMMAND, SYNTH_OUTPUT
from airlock.synth import summarize, synth_app
from benchmarks.generate import generate_spec
from tests.conftest import ROOT

CONNECTION = "arn:aws:codeconnections:eu-central-1:500000000005:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
PIPELINE = {
    "account_id": "500000000005",
    "connection_arn": CONNECTION,
    "repository": "contoso/landing-zone",
    "branch": "main",
    "spec_file": "landing-zone.yaml",
    "wave_size": 2,
}


def pipeline_spec(**changes):
    # 5 integrations in eu-central-1, two of them (int0001, int0003) also in eu-west-1.
    data = generate_spec(5, multi_region_every=2)
    data["organization"]["pipeline"] = {**PIPELINE, **changes}
    return data


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("pipeline") / "cdk.out"
    zone, passed = synth_app(validate(pipeline_spec()), outdir)
    return zone, passed, outdir


@pytest.fixture(scope="module")
def stages(synthesized):
    """(pipeline stage name, [stack names it deploys, in action order]) in pipeline order."""
    _, _, outdir = synthesized
    template = json.loads((outdir / f"{PIPELINE_STACK}.template.json").read_text())
    (pipeline,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    out = []
    for stage in pipeline["Properties"]["Stages"]:
        stacks = [a["Configuration"]["StackName"] for a in stage["Actions"] if "StackName" in a["Configuration"]]
        out.append((stage["Name"], list(dict.fromkeys(stacks))))
    return out


def test_pipeline_variant_synthesizes_with_no_unacknowledged_findings(synthesized):
    _, passed, outdir = synthesized
    result = summarize(outdir)
    assert passed and result.passed, result.compliance.findings
    acknowledged = {f.path.split("/")[0] for f in result.compliance.acknowledged}
    assert PIPELINE_STACK in acknowledged  # the pipeline's findings are acknowledged on the pipeline


def test_pipeline_stack_is_the_only_deployable_stack_besides_its_region_support(synthesized):
    _, _, outdir = synthesized
    manifest = json.loads((outdir / "manifest.json").read_text())
    top = {
        a.get("displayName", k): a["environment"]
        for k, a in manifest["artifacts"].items()
        if a["type"] == "aws:cloudformation:stack"
    }
    assert top == {
        PIPELINE_STACK: "aws://500000000005/eu-central-1",
        "cross-region-stack-500000000005:eu-west-1": "aws://500000000005/eu-west-1",
    }


def test_stages_run_source_synth_self_update_organization_then_regions(stages):
    names = [name for name, _ in stages]
    assert names[:4] == ["Source", "Build", "UpdatePipeline", "Organization"]
    from airlock.layout import plan_layout

    spec = validate(pipeline_spec())
    layout = plan_layout(spec.organization, spec.integrations)
    assert sorted(stages[3][1]) == sorted(layout.organization_stacks())  # the organization layer in one stage
    assert len(stages[3][1]) > 1
    deployed = [stack for _, stacks in stages[4:] for stack in stacks]
    regions = [stack.split("-", 2)[2] for stack in deployed]
    assert regions == sorted(regions, key=lambda r: r != "eu-central-1")  # home region first
    assert sorted(deployed) == sorted(
        [f"airlock-int000{n}-eu-central-1" for n in range(5)]
        + ["airlock-int0001-eu-west-1", "airlock-int0003-eu-west-1"]
    )


def test_waves_hold_at_most_wave_size_integrations(stages):
    assert all(len(stacks) <= PIPELINE["wave_size"] for _, stacks in stages[4:])
    assert len(stages[4:]) == 3 + 1  # eu-central-1: 2 + 2 + 1, eu-west-1: 2


def test_stacks_inside_stages_keep_their_names_and_accounts(synthesized):
    _, _, outdir = synthesized
    environments = {
        a["properties"].get("stackName"): a["environment"]
        for _, a, folder in stack_artifacts(outdir)
        if folder != outdir
    }
    assert environments["airlock-organization"] == "aws://100000000001/eu-central-1"
    assert environments["airlock-int0001-eu-west-1"] == "aws://300000000001/eu-west-1"


def test_synth_step_installs_airlock_and_runs_the_check_from_the_repository(synthesized):
    _, _, outdir = synthesized
    template = json.loads((outdir / f"{PIPELINE_STACK}.template.json").read_text())
    projects = [r for r in template["Resources"].values() if r["Type"] == "AWS::CodeBuild::Project"]
    specs = [json.loads(p["Properties"]["Source"]["BuildSpec"]) for p in projects]
    (synth,) = [s for s in specs if SYNTH_OUTPUT in json.dumps(s.get("artifacts", {}))]
    assert synth["phases"]["install"]["commands"] == list(INSTALL_COMMANDS)
    assert synth["phases"]["build"]["commands"] == [SYNTH_COMMAND.format(spec_file="landing-zone.yaml")]
    text = json.dumps(template)
    assert CONNECTION in text and "contoso/landing-zone" in text


def test_integrations_have_no_cross_stage_dependency(synthesized):
    zone, _, _ = synthesized
    assert zone.pipeline is not None
    for stack in zone.integrations:
        assert not stack.dependencies  # ordering comes from the pipeline's stage order


def test_pipeline_cdk_cli_is_the_pinned_one():
    package = json.loads((ROOT / "package.json").read_text())
    assert package["devDependencies"]["aws-cdk"] == CDK_CLI_VERSION


def messages(data) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return {issue.path: issue.message for issue in caught.value.issues}


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"connection_arn": "arn:aws:codestar:eu-central-1:1:conn"}, "connection_arn", "is not a connection ARN"),
        ({"repository": "landing-zone"}, "repository", "'owner/name'"),
        ({"branch": "feature/"}, "branch", "is not a branch name"),
        ({"spec_file": "../spec.yaml"}, "spec_file", "relative to the repository root"),
        ({"wave_size": 30}, "wave_size", "20"),
        ({"region": "eu-west-1"}, "connection_arn", "a pipeline can only use a connection of its own region"),
        ({"region": "us-east-1"}, "region", "not in organization.allowed_regions"),
        ({"account_id": "300000000002"}, "account_id", "intermediate account of integrations[2] (int0002)"),
        ({"account_id": "900000000003"}, "account_id", "vendor account of integrations[3]"),
    ],
)
def test_bad_pipeline_blocks_name_field_value_and_fix(changes, path, fragment):
    found = messages(pipeline_spec(**changes))
    assert fragment in found[f"organization.pipeline.{path}"]


def test_a_pipeline_over_codepipelines_50_stages_is_refused():
    data = generate_spec(47, multi_region_every=0)
    data["organization"]["pipeline"] = {**PIPELINE, "wave_size": 1}
    assert messages(data)["organization.pipeline.wave_size"].startswith(
        "wave_size 1 gives the pipeline 51 stages; CodePipeline allows 50: raise wave_size"
    )
    data["integrations"].pop()
    assert validate(data).organization.pipeline is not None  # 50 stages: allowed


def test_a_pipeline_stack_over_a_limit_gets_its_own_fix():
    (breach,) = breaches([measured_pipeline()])
    assert str(breach).endswith("split the landing zone into two specs, each with its own pipeline")


def measured_pipeline():
    from pathlib import Path

    from airlock.limits import StackMeasure

    return StackMeasure(PIPELINE_STACK, Path("p.template.json"), 30, 0, 0, 0, 1_200_000)


def test_pipeline_is_optional():
    spec = validate(generate_spec(2))
    assert spec.organization.pipeline is None


def test_the_commented_pipeline_block_of_the_example_is_valid():
    text = (ROOT / "examples" / "landing-zone.yaml").read_text()
    uncommented = re.sub(r"^  # (pipeline:|  \w+: .*)$", r"  \1", text, flags=re.MULTILINE)
    assert uncommented != text
    spec = validate(yaml.safe_load(uncommented))
    assert spec.organization.pipeline is not None
    assert spec.organization.pipeline.spec_file == "examples/landing-zone.yaml"


def pipeline_resources(outdir, type_):
    template = json.loads((outdir / f"{PIPELINE_STACK}.template.json").read_text())
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def test_build_logs_are_encrypted_kept_and_used_by_every_project(synthesized):
    _, _, outdir = synthesized
    ((group_id, group),) = pipeline_resources(outdir, "AWS::Logs::LogGroup").items()
    assert group["Properties"]["RetentionInDays"] == 365
    assert "KmsKeyId" in group["Properties"]
    projects = pipeline_resources(outdir, "AWS::CodeBuild::Project").values()
    assert projects
    for project in projects:
        logs = project["Properties"]["LogsConfig"]["CloudWatchLogs"]
        assert logs["Status"] == "ENABLED" and logs["GroupName"] == {"Ref": group_id}


def test_artifacts_are_encrypted_expire_and_their_key_refuses_grants(synthesized):
    _, _, outdir = synthesized
    (bucket,) = pipeline_resources(outdir, "AWS::S3::Bucket").values()
    encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90 and rule["Status"] == "Enabled"
    key_id = encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0]
    artifact_key = pipeline_resources(outdir, "AWS::KMS::Key")[key_id]
    assert artifact_key["Properties"]["EnableKeyRotation"] is True
    statements = {s.get("Sid"): s for s in artifact_key["Properties"]["KeyPolicy"]["Statement"]}
    deny = statements["DenyGrantsExceptForAwsServices"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "kms:CreateGrant"


def test_the_access_proof_reads_the_stacks_inside_the_pipeline_stages(synthesized):
    from airlock.access.proof import prove

    _, _, outdir = synthesized
    proof = prove(outdir, validate(pipeline_spec()))
    assert proof.failures() == []
    # The integration stacks are in nested stage assemblies; the proof finds each of them.
    assert {f.integration for f in proof.flows} == {f"int{i:04d}" for i in range(5)}
