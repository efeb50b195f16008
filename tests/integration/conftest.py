"""Fixtures for tests against the local AWS emulator (moto server on 127.0.0.1)."""

from __future__ import annotations

import os
import shutil

import pytest
import yaml

from tests.conftest import EXAMPLE_SPEC, read_assembly
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
def emulator_example_synth(emulator, tmp_path_factory):
    """The example, synthesized with each account's AZ ID -> AZ name mapping as the emulator reports it.

    moto's CloudFormation ignores a subnet's ``AvailabilityZoneId`` (every subnet would land
    in the region's first AZ), so the spec's optional ``network.az_names`` is filled in from
    the emulator's own ``DescribeAvailabilityZones``, exactly as a user would copy it from
    ``aws ec2 describe-availability-zones`` for a tool that cannot place by AZ ID. Everything
    else is the example unchanged; the default (placement by AZ ID) is tested on the template.
    """
    from airlock.spec import load, load_account_lock
    from airlock.spec.regions import region_of_az_id
    from airlock.synth import synth

    folder = tmp_path_factory.mktemp("emulator-example")
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    lock = load_account_lock(EXAMPLE_SPEC)
    spec = load(EXAMPLE_SPEC)
    for raw, integration in zip(data["integrations"], spec.integrations, strict=True):
        account = lock.account_id(integration)
        names = {}
        for region in integration.regions:
            zones = emulator.client("ec2", account, region).describe_availability_zones()["AvailabilityZones"]
            by_id = {zone["ZoneId"]: zone["ZoneName"] for zone in zones}
            names |= {az: by_id[az] for az in integration.network.az_ids if region_of_az_id(az) == region}
        raw["network"]["az_names"] = names
    spec_path = folder / EXAMPLE_SPEC.name
    spec_path.write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copy(EXAMPLE_SPEC.with_name(EXAMPLE_SPEC.stem + ".accounts.json"), folder)
    outdir = folder / "cdk.out"
    result = synth(spec_path, outdir)
    assert result.passed, result.compliance.findings
    return result, read_assembly(outdir)


@pytest.fixture(scope="session")
def deployed_example(emulator, emulator_example_synth):
    """Every integration stack of the example, deployed once into the emulator."""
    result, assembly = emulator_example_synth
    _create_archive_buckets(emulator, result)
    stacks = {}
    for summary in result.stacks:
        if summary.name.startswith("airlock-organization"):
            continue  # AWS::Organizations::* is not emulated by CloudFormation in moto
        stacks[summary.name] = (
            summary,
            emulator.deploy(
                assembly.template(summary.name), summary.name, account=summary.account, region=summary.region
            ),
        )
    return stacks


def _create_archive_buckets(emulator, result) -> None:
    """The central flow-log bucket of each integration, where the emulator looks for it.

    AWS delivers to a bucket in another account (the log-archive account) when its policy
    admits the delivery; moto looks the bucket up in the flow log's own account and fails
    without it, so the bucket is made there.
    """
    from contextlib import suppress

    from airlock.spec import load

    spec = load(EXAMPLE_SPEC)
    accounts = {s.name: (s.account, s.region) for s in result.stacks}
    for integration in spec.integrations:
        arn = integration.network.flow_log_archive_bucket
        if arn is None:
            continue
        for region in integration.regions:
            account, region = accounts[f"airlock-{integration.name}-{region}"]
            s3 = emulator.client("s3", account, region)
            with suppress(s3.exceptions.BucketAlreadyOwnedByYou):
                s3.create_bucket(
                    Bucket=arn.removeprefix("arn:aws:s3:::").split("/")[0],
                    CreateBucketConfiguration={"LocationConstraint": region},
                )
