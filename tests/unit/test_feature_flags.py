"""airlock apps set the CDK's recommended feature flags, and decide every flag the installed CDK recommends."""

from __future__ import annotations

import json
import tarfile
from importlib import metadata
from pathlib import Path

from airlock.stacks import new_app
from airlock.stacks.feature_flags import DEVIATIONS, FEATURE_FLAGS, RECOMMENDED


def _installed_recommendations() -> dict[str, object]:
    distribution = metadata.distribution("aws-cdk-lib")
    (archive,) = [f for f in distribution.files or () if f.name.endswith(".jsii.tgz")]
    with tarfile.open(Path(str(distribution.locate_file(archive)))) as tar:
        member = tar.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        return json.loads(member.read())


def test_every_flag_the_installed_cdk_recommends_is_decided():
    """A newer aws-cdk-lib recommends new flags: adopt each in a reviewed change, with its template diff."""
    installed = _installed_recommendations()
    undecided = sorted(set(installed) - set(RECOMMENDED) - set(DEVIATIONS))
    assert undecided == [], f"add these to airlock/stacks/feature_flags.py after reviewing their effect: {undecided}"
    changed = sorted(flag for flag in RECOMMENDED if flag in installed and installed[flag] != RECOMMENDED[flag])
    assert changed == []


def test_deviations_say_why_and_differ_from_the_recommendation():
    for flag, (value, reason) in DEVIATIONS.items():
        assert flag in RECOMMENDED and RECOMMENDED[flag] != value, flag
        assert len(reason) >= 40, flag


def test_new_app_sets_every_flag():
    app = new_app()
    assert {flag: app.node.try_get_context(flag) for flag in FEATURE_FLAGS} == FEATURE_FLAGS
    assert app.node.try_get_context("@aws-cdk/core:explicitStackTags") is False


def test_arns_in_the_example_are_literals(example_assembly):
    """With partition literals, compliance rules read ARNs instead of tokens over AWS::Partition."""
    integration_stacks = [name for name in example_assembly.templates if name != "airlock-organization"]
    assert len(integration_stacks) == 6  # three integration stacks, three account stacks
    for name in integration_stacks:  # the organization stack carries the CDK bootstrap template, as written
        assert "AWS::Partition" not in json.dumps(example_assembly.template(name)), name
