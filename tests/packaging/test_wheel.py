"""The library works as installed: wheel -> fresh virtualenv -> application-team apps synthesize."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.packaging

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)])
    (built,) = dist.glob("saas_airlock-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> Path:
    """A fresh virtualenv with only the wheel (and its declared dependencies) installed."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)])
    return venv


def test_wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    import airlock

    assert metadata["Name"] == "saas-airlock"
    assert metadata["Version"] == airlock.__version__
    requires = metadata.get_all("Requires-Dist")
    assert any(r.startswith("aws-cdk-lib") and "<3" in r for r in requires)
    assert "airlock/py.typed" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert "airlock = airlock.cli:main_entry" in entry_points


def test_installed_command_runs_without_the_source_tree(installed, tmp_path):
    done = run(
        [str(installed / "bin" / "airlock"), "validate", str(ROOT / "examples" / "landing-zone.yaml")], cwd=tmp_path
    )
    assert "valid; 3 integrations" in done.stdout


def synth_app_team_example(name: str, venv: Path, tmp_path: Path) -> Path:
    """Copy ``examples/app-team/<name>`` out of the source tree, synthesize it there with the real
    CDK CLI and the installed library only, and return the cloud assembly."""
    assert CDK.exists(), "the pinned CDK CLI is missing: run `make setup` (npm ci)"
    app = tmp_path / name
    shutil.copytree(ROOT / "examples" / "app-team" / name, app)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("AWS_")}
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    env["HOME"] = str(tmp_path)
    out = tmp_path / "out"
    run([str(CDK), "synth", "--quiet", "--no-notices", "--output", str(out)], cwd=app, env=env)
    return out


def resources(template: dict, type_: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == type_]


def test_app_team_example_synthesizes_with_the_installed_library(installed, tmp_path):
    out = synth_app_team_example("embedded_buffer", installed, tmp_path)
    template = json.loads((out / "order-import.template.json").read_text())
    queues = sorted(r["Properties"]["QueueName"] for r in resources(template, "AWS::SQS::Queue"))
    assert queues == ["order-import", "order-import-dlq"]
    keys = resources(template, "AWS::KMS::Key")
    assert [k["Properties"]["EnableKeyRotation"] for k in keys] == [True]
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert alarms[0]["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"


QUEUE_ARN = "arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files"
KEY_ARN = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_queue_consumer_example_synthesizes_with_the_installed_library(installed, tmp_path):
    out = synth_app_team_example("queue_consumer", installed, tmp_path)
    template = json.loads((out / "payroll-import.template.json").read_text())
    (function,) = resources(template, "AWS::Lambda::Function")
    assert function["Properties"]["Runtime"].startswith("python3.")
    assert "ZipFile" in function["Properties"]["Code"]  # inline code: no asset to bundle
    (role,) = [k for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"]
    assert function["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
    statements = [
        s
        for policy in resources(template, "AWS::IAM::Policy")
        if {"Ref": role} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]

    def allowed(action: str, resource: str) -> bool:
        for s in statements:
            actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
            targets = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            if s["Effect"] == "Allow" and action in actions and resource in targets:
                return True
        return False

    assert allowed("sqs:ReceiveMessage", QUEUE_ARN)
    assert allowed("sqs:DeleteMessage", QUEUE_ARN)
    assert allowed("kms:Decrypt", KEY_ARN)
    assert not any(s["Resource"] == "*" for s in statements)
    (mapping,) = resources(template, "AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["EventSourceArn"] == QUEUE_ARN
    # the app attaches AwsSolutions and the Airlock checks: a finding would have failed the synth
    report = json.loads((out / "validation-report.json").read_text())
    assert not [p for p in report.get("pluginReports", []) if p.get("violations")]
