"""Fixtures for tests against the local AWS emulator (moto server on 127.0.0.1)."""

from __future__ import annotations

import os

import pytest

from tests.emulator import Emulator, moto_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def emulator():
    # Never let a test reach a real AWS endpoint or real credentials.
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("AWS_")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="eu-central-1")
    try:
        with moto_server() as endpoint:
            yield Emulator(endpoint)
    finally:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[key]
        os.environ.update(saved)


@pytest.fixture(scope="session")
def deployed_example(emulator, example_synth):
    """Every integration stack of the example, deployed once into the emulator."""
    result, assembly = example_synth
    stacks = {}
    for summary in result.stacks:
        if summary.name == "airlock-organization":
            continue  # AWS::Organizations::* is not emulated by CloudFormation in moto
        stacks[summary.name] = (
            summary,
            emulator.deploy(
                assembly.template(summary.name), summary.name, account=summary.account, region=summary.region
            ),
        )
    return stacks
