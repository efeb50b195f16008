"""The example passes every pack it selects and cfn-lint, with no AWS credentials and no network."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from airlock.compliance.progress import Progress
from tests.conftest import EXAMPLE_SPEC, ROOT


def _without_network() -> list[str]:
    """A command prefix that runs in a network namespace of its own (no interfaces up), if we may."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True, check=False).returncode == 0:
        return [unshare, "-n", "--"]
    return []


@pytest.fixture(scope="module")
def offline_check(tmp_path_factory):
    out = tmp_path_factory.mktemp("offline") / "reports"
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "HOME": str(home),  # no ~/.aws of whoever runs the tests
        "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Without a network namespace, any attempt to reach out fails fast at a closed port.
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    prefix = _without_network()
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "airlock.cli", "check", str(EXAMPLE_SPEC), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=600,
    )
    return done, out, bool(prefix)


def test_example_check_passes_offline_without_credentials(offline_check):
    done, out, _ = offline_check
    assert done.returncode == 0, done.stdout + done.stderr
    assert "check passed" in done.stdout
    report = json.loads((out / "airlock-check.json").read_text())
    assert report["passed"] is True
    assert report["findings"] == []
    assert report["packs"] == ["AwsSolutions", "Airlock", "NIST.800.53.R5", "ControlTower", "cfn-lint", "Access"]
    assert [w for w in report["warnings"] if w["pack"] == "cfn-lint"] == []
    assert len(report["stacks"]) == 7


def test_example_acknowledgements_are_all_listed_with_reasons(offline_check):
    _, out, _ = offline_check
    report = json.loads((out / "airlock-check.json").read_text())
    assert report["summary"]["acknowledged"] == len(report["acknowledged"]) > 0
    assert all(len(a["reason"]) >= 20 and a["owner"] for a in report["acknowledged"])


def test_progress_is_plain_lines_when_not_a_terminal(offline_check):
    done, _, _ = offline_check
    lines = done.stderr.splitlines()
    for phase in (
        "[1/5] loading the spec",
        "[2/5] synthesizing",
        "[3/5] cfn-lint findings of 7 templates",
        "[4/5] proving access",
        "[5/5] writing",
    ):
        assert any(line.startswith(f"airlock check: {phase}") and line.endswith("...") for line in lines), phase
        assert any(line.startswith(f"airlock check: {phase}") and " done (" in line for line in lines), phase
    assert "\r" not in done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal():
    stream = _Terminal()
    progress = Progress(2, stream=stream)
    with progress.phase("first"):
        pass
    with pytest.raises(RuntimeError), progress.phase("second"):
        raise RuntimeError("broken")
    text = stream.getvalue()
    assert "\r\033[K✓ [1/2] first (" in text
    assert "\r\033[K✗ [2/2] second (" in text
    assert "..." not in text
