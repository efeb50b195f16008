"""The real CDK CLI synthesizes the example with no AWS credentials, reproducibly."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.cli

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def cdk_synth(outdir: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CDK.exists(), "the pinned CDK CLI is missing: run `make setup` (npm ci)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CDK_")) and key not in ("HOME", "PYTHONPATH")
    }
    env.update(
        HOME=str(home),
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(home / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-credentials"),
        CDK_DISABLE_CLI_TELEMETRY="true",
    )
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--output", str(outdir), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def two_synths(tmp_path_factory):
    base = tmp_path_factory.mktemp("cdk-cli")
    home = base / "home"
    home.mkdir()
    runs = []
    for name in ("first", "second"):
        done = cdk_synth(base / name, home)
        assert done.returncode == 0, done.stderr[-3000:]
        runs.append(base / name)
    return runs


def test_cli_writes_one_template_per_stack_and_the_report(two_synths):
    first, _ = two_synths
    templates = sorted(p.name for p in first.glob("*.template.json"))
    assert templates == [
        "airlock-crm-eu-central-1.template.json",
        "airlock-events-eu-west-1.template.json",
        "airlock-organization-accounts-09.template.json",
        "airlock-organization-accounts-19.template.json",
        "airlock-organization-accounts-20.template.json",
        "airlock-organization.template.json",
        "airlock-payroll-eu-central-1.template.json",
    ]
    assert (first / "validation-report.json").exists()


def test_two_synths_are_byte_identical(two_synths):
    first, second = two_synths
    names = sorted(p.name for p in first.glob("*.template.json"))
    match, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert not mismatch and not errors
    assert match == names


def test_bad_spec_through_the_cli_exits_with_the_spec_error(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text((ROOT / "examples" / "landing-zone.yaml").read_text().replace("10.20.4.0/23", "10.20.4.0/33"))
    home = tmp_path / "home"
    home.mkdir()
    done = cdk_synth(tmp_path / "out", home, "-c", f"airlock:spec={spec}")
    assert done.returncode != 0
    assert "integrations[1].network.cidr: '10.20.4.0/33' is not a valid IPv4 CIDR" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("out/*.template.json"))


def test_a_stack_over_the_resource_limit_fails_cdk_synth_naming_it(tmp_path):
    """app.py checks the limits after synthesis: the CDK CLI fails with airlock's message."""
    from benchmarks.generate import generate_spec, write_spec

    data = generate_spec(1, buffers=100, drop_zone_every=0, multi_region_every=0)
    # Only the packs that always run: the limit check does not depend on the others, which
    # would take minutes over 600 resources.
    data["organization"]["compliance"] = {"packs": []}
    spec = write_spec(data, tmp_path / "big.yaml")
    home = tmp_path / "home"
    home.mkdir()
    done = cdk_synth(tmp_path / "out", home, "-c", f"airlock:spec={spec}")
    assert done.returncode != 0
    assert "stack airlock-int0000-eu-central-1 has" in done.stderr
    assert "CloudFormation allows at most 500" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_control_tower_finding_fails_cdk_synth(tmp_path):
    """`make synth` gates like `airlock synth`: a drop zone that notifies nobody (CT.S3.PR.4) fails,
    though the Control Tower pack acknowledges other findings in the same run."""
    import yaml

    data = yaml.safe_load((ROOT / "examples" / "landing-zone.yaml").read_text())
    del data["integrations"][1]["drop_zone"]["notify_buffer"]
    spec = tmp_path / "landing-zone.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "landing-zone.accounts.json").write_text((ROOT / "examples" / "landing-zone.accounts.json").read_text())
    home = tmp_path / "home"
    home.mkdir()
    done = cdk_synth(tmp_path / "out", home, "-c", f"airlock:spec={spec}")
    assert done.returncode != 0, done.stderr[-3000:]
    assert "s3_event_notifications_enabled_check" in done.stderr
    assert "Traceback" not in done.stderr
