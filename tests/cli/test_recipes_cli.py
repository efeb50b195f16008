"""The real CDK CLI synthesizes every vendor recipe (examples/vendors/), offline, with every pack."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cdk_cli import cdk_synth
from tests.conftest import RECIPES

pytestmark = pytest.mark.cli


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_cdk_synth_writes_each_recipes_stacks_and_a_passing_report(tmp_path, name):
    spec = RECIPES[name]
    home = tmp_path / "home"
    home.mkdir()
    done = cdk_synth(tmp_path / "out", home, "-c", f"airlock:spec={spec}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    templates = sorted(p.name for p in (tmp_path / "out").glob("*.template.json"))
    assert "airlock-organization.template.json" in templates and len(templates) >= 2
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    conclusions = {plugin["pluginName"]: plugin["conclusion"] for plugin in report["pluginReports"]}
    # CDK lists a plugin only when it has a finding, acknowledged or not: a recipe without a buffer
    # or a role (datadog-agent-marketplace) has no AwsSolutions entry. Every recipe selects NIST.
    assert "NIST.800.53.R5" in conclusions
    assert set(conclusions.values()) == {"success"}, conclusions
