"""Every unacknowledged finding of every enabled pack blocks: `airlock synth`, `airlock check`, app.py.

The CDK recomputes a plugin's conclusion from its violations' severities once any of its
findings is acknowledged, and a violation without a severity counts as passing there (the
report then shows it as an error). A Control Tower finding beside an acknowledged one passed
synthesis that way; so did an unacknowledged cdk-nag warning.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

from airlock.compliance import read_report
from tests.conftest import EXAMPLE_SPEC
from tests.specs import dump, spec_data

#: A drop zone whose new objects notify nobody: Control Tower's CT.S3.PR.4.
NO_NOTIFICATION = "s3_event_notifications_enabled_check"


def _report(tmp_path, plugin: dict) -> None:
    (tmp_path / "validation-report.json").write_text(json.dumps({"pluginReports": [plugin]}))


def _violation(rule: str, severity: str | None) -> dict:
    found = {"ruleName": rule, "description": "d", "violatingConstructs": [{"constructPath": "S/Bucket/Resource"}]}
    return found | ({"severity": severity} if severity else {})


@pytest.mark.parametrize("severity", ["error", "warning", None])
def test_a_packs_violation_blocks_whatever_the_plugin_concluded(tmp_path, severity):
    _report(
        tmp_path,
        {
            "pluginName": "cdk-validator-cfnguard",
            "conclusion": "success",
            "violations": [_violation(NO_NOTIFICATION, severity)],
        },
    )
    result = read_report(tmp_path)
    assert not result.passed
    assert [f.rule for f in result.findings] == [NO_NOTIFICATION]
    assert result.warnings == ()


def test_the_cdks_own_template_warnings_stay_warnings(tmp_path):
    """CDK's built-in CloudFormation validation is no pack: it only warns (cfn-lint gates instead)."""
    _report(
        tmp_path,
        {
            "pluginName": "CloudFormation Validate",
            "conclusion": "success",
            "violations": [_violation("W1234", "warning")],
        },
    )
    result = read_report(tmp_path)
    assert result.passed and [w.rule for w in result.warnings] == ["W1234"]


@pytest.fixture(scope="module")
def drop_zone_without_notification(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gate")
    spec = folder / "spec.yaml"
    spec.write_text(dump(spec_data(**{"integrations.0.drop_zone": {"prefixes": ["drop/crm/"]}})))
    return spec


def _as_a_user(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: outside pytest, the CDK prints its report and where it wrote it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    return subprocess.run(
        [sys.executable, "-m", "airlock.cli", *args], capture_output=True, text=True, env=env, check=False, timeout=600
    )


def _report_paths(text: str) -> list[str]:
    return re.findall(r"(?:report can be found in|report): (\S+validation-report\.json)", text)


def test_airlock_synth_fails_on_a_control_tower_finding(drop_zone_without_notification, tmp_path):
    out = tmp_path / "out"
    done = _as_a_user("synth", str(drop_zone_without_notification), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "compliance: FAILED" in done.stdout and "compliance: passed" not in done.stdout
    assert NO_NOTIFICATION in done.stdout
    # The report is where it is said to be: in the output folder, never a temporary sibling.
    paths = _report_paths(done.stdout + done.stderr)
    assert paths, done.stdout + done.stderr
    assert all(path == str(out / "validation-report.json") for path in paths), paths
    assert (out / "validation-report.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name != "out"], list(tmp_path.iterdir())
    assert NO_NOTIFICATION in {f.rule for f in read_report(out).findings}


def test_airlock_check_counts_it_as_a_finding(drop_zone_without_notification, tmp_path):
    out = tmp_path / "check"
    done = _as_a_user("check", str(drop_zone_without_notification), "--out", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "check FAILED" in done.stdout
    report = json.loads((out / "airlock-check.json").read_text())
    assert report["passed"] is False
    assert NO_NOTIFICATION in {f["rule"] for f in report["findings"]}
    assert NO_NOTIFICATION not in {w["rule"] for w in report["warnings"]}
    paths = _report_paths(done.stderr)
    assert all(path == str(out / "cdk.out" / "validation-report.json") for path in paths), paths
    assert not [p for p in tmp_path.iterdir() if p.name != "check"], list(tmp_path.iterdir())


def test_the_example_level_check_fails_when_the_example_breaks_a_control(tmp_path):
    """The example's own test (zero unacknowledged findings) has teeth: shorten a retention, it fails."""
    from airlock.synth import synth

    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    data["integrations"][0]["network"]["flow_log_retention_days"] = 7
    spec = tmp_path / "landing-zone.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "landing-zone.accounts.json").write_text(
        (EXAMPLE_SPEC.parent / "landing-zone.accounts.json").read_text()
    )
    result = synth(spec, tmp_path / "cdk.out")
    assert not result.passed
    assert "cloudwatch_log_group_retention_period_check" in {f.rule for f in result.compliance.findings}
    assert result.compliance.acknowledged  # the Control Tower pack acknowledges others in the same run


def test_a_failed_run_restores_the_previous_output_and_leaves_no_sibling(tmp_path):
    from airlock.synth import replacing

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run")

    def broken_run() -> None:
        with replacing(out):
            assert not out.exists()  # written anew, in place
            out.mkdir()
            (out / "half.json").write_text("{")
            raise RuntimeError("synthesis broke")

    with pytest.raises(RuntimeError, match="synthesis broke"):
        broken_run()
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    with replacing(out):
        out.mkdir()
        (out / "new.json").write_text("{}")
    assert sorted(p.name for p in out.iterdir()) == ["new.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
