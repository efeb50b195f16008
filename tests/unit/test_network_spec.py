"""The network part of the spec: PrivateLink, service endpoints, egress, DNS, AZ names."""

from __future__ import annotations

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from airlock.spec.impact import deployment_architecture
from tests.specs import DELETE, dump, spec_data

SERVICE = "com.amazonaws.vpce.eu-central-1.vpce-svc-0123456789abcdef0"
ENDPOINT = {
    "name": "vendor-api",
    "service_name": SERVICE,
    "az_ids": ["euc1-az1"],
    "ports": [443],
    "sources": ["10.20.0.0/22"],
}


def issues_of(data) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def network(**fields):
    return {"cidr": "10.20.0.0/22", "az_ids": ["euc1-az1", "euc1-az2"], **fields}


def test_full_network_block_is_valid():
    spec = validate(
        spec_data(
            **{
                "organization.organization_id": "o-a1b2c3d4e5",
                "integrations.0.network": network(
                    vendor_endpoints=[ENDPOINT],
                    exposed_apis=[{"name": "status", "ports": [443], "targets": ["10.20.0.10"]}],
                    service_endpoints=["sqs", "kms", "s3"],
                    egress={"allowed_domains": [".vendor.example", "api.other.example"]},
                    dns={"allowed_domains": ["login.vendor.example"]},
                    flow_log_archive_bucket="arn:aws:s3:::central-archive/flow-logs",
                    az_names={"euc1-az1": "eu-central-1a", "euc1-az2": "eu-central-1b"},
                ),
            }
        )
    )
    net = spec.integrations[0].network
    assert net.vendor_endpoints[0].private_dns is False
    assert net.egress is not None and net.egress.allowed_domains == [".vendor.example", "api.other.example"]


# Acceptance: each of these exits 2 with a clear error (field path, bad value, fix).
BAD_NETWORK = {
    "az-names-instead-of-ids": (
        {"integrations.0.network.az_ids": ["eu-central-1a", "eu-central-1b"]},
        "integrations[0].network.az_ids[0]",
        ["'eu-central-1a' is an AZ name, not an AZ ID", "euc1-az1"],
    ),
    "fewer-than-two-az-ids": (
        {"integrations.0.network.az_ids": ["euc1-az1"]},
        "integrations[0].network.az_ids",
        ["at least 2"],
    ),
    "vendor-azs-without-overlap": (
        {"integrations.0.network": network(vendor_endpoints=[{**ENDPOINT, "az_ids": ["euc1-az3"]}])},
        "integrations[0].network.vendor_endpoints[0].az_ids",
        ["['euc1-az3']", "none of which is among the integration's AZ IDs", "add one of the vendor's AZ IDs"],
    ),
    "domain-with-star": (
        {"integrations.0.network": network(egress={"allowed_domains": ["*.vendor.example"]})},
        "integrations[0].network.egress.allowed_domains[0]",
        ["'*.vendor.example' uses a '*' wildcard", "write '.vendor.example'"],
    ),
    "cidr-too-small": (
        {"integrations.0.network.cidr": "10.20.0.0/28"},
        "integrations[0].network.cidr",
        ["'10.20.0.0/28' is too small for 2 subnets", "larger block"],
    ),
    "cidr-too-small-for-egress": (
        {
            "integrations.0.network": {
                **network(egress={"allowed_domains": [".vendor.example"]}),
                "cidr": "10.20.0.0/26",
            }
        },
        "integrations[0].network.cidr",
        ["'10.20.0.0/26' is too small for 6 subnets", "larger block"],
    ),
    "retention-45": (
        {"integrations.0.network.flow_log_retention_days": 45},
        "integrations[0].network.flow_log_retention_days",
        ["45 days is not a retention CloudWatch Logs accepts", "nearest: 30"],
    ),
    "endpoint-service-name-shape": (
        {
            "integrations.0.network": network(
                vendor_endpoints=[{**ENDPOINT, "service_name": "vpce-svc-0123456789abcdef0"}]
            )
        },
        "integrations[0].network.vendor_endpoints[0].service_name",
        ["'vpce-svc-0123456789abcdef0' is not a VPC endpoint service name", "com.amazonaws.vpce.<region>.vpce-svc-"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_NETWORK))
def test_bad_network_input_exits_2_with_a_clear_error(tmp_path, capsys, case):
    changes, path, fragments = BAD_NETWORK[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**changes)))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    (line,) = [line for line in err.splitlines() if f": {path}: " in line]
    for fragment in fragments:
        assert fragment in line
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        pytest.param(
            {"integrations.0.network": network(vendor_endpoints=[{**ENDPOINT, "sources": ["0.0.0.0/0"]}])},
            "integrations[0].network.vendor_endpoints[0].sources[0]",
            "'0.0.0.0/0' is not a private range",
            id="endpoint-open-to-the-internet",
        ),
        pytest.param(
            {"integrations.0.network": network(vendor_endpoints=[{**ENDPOINT, "ports": [70000]}])},
            "integrations[0].network.vendor_endpoints[0].ports[0]",
            "70000 is not a TCP port",
            id="bad-port",
        ),
        pytest.param(
            {
                "integrations.0.network": network(
                    vendor_endpoints=[{**ENDPOINT, "service_name": SERVICE.replace("eu-central-1", "eu-west-1")}]
                )
            },
            "integrations[0].network.vendor_endpoints[0].service_name",
            "is an endpoint service of eu-west-1",
            id="service-in-another-region",
        ),
        pytest.param(
            {"integrations.0.network": network(vendor_endpoints=[{**ENDPOINT, "az_ids": ["euc1-az1", "euw1-az1"]}])},
            "integrations[0].network.vendor_endpoints[0].az_ids[1]",
            "'euw1-az1' is an AZ ID of eu-west-1, but the service is in eu-central-1",
            id="vendor-az-of-other-region",
        ),
        pytest.param(
            {"integrations.0.network": network(vendor_endpoints=[ENDPOINT, ENDPOINT])},
            "integrations[0].network.vendor_endpoints[1].name",
            "'vendor-api' is already the name of vendor_endpoints[0]",
            id="duplicate-endpoint-names",
        ),
        pytest.param(
            {
                "integrations.0.network": network(
                    exposed_apis=[{"name": "status", "ports": [443], "targets": ["10.99.0.1"]}]
                )
            },
            "integrations[0].network.exposed_apis[0].targets[0]",
            "'10.99.0.1' is outside the VPC CIDR '10.20.0.0/22'",
            id="api-target-outside-vpc",
        ),
        pytest.param(
            {
                "integrations.0.network": network(
                    exposed_apis=[
                        {"name": "status", "ports": [443], "targets": ["10.20.0.1"], "allowed_principals": ["*"]}
                    ]
                )
            },
            "integrations[0].network.exposed_apis[0].allowed_principals[0]",
            "'*' and wildcards are never allowed",
            id="api-open-to-everyone",
        ),
        pytest.param(
            {"integrations.0.network": network(service_endpoints=["sqs"]), "organization.organization_id": DELETE},
            "integrations[0].network.service_endpoints",
            "need organization.organization_id",
            id="service-endpoints-without-organization-id",
        ),
        pytest.param(
            {"integrations.0.network": network(service_endpoints=["sqs"]), "organization.organization_id": "a1b2"},
            "organization.organization_id",
            "'a1b2' is not an AWS Organization id",
            id="bad-organization-id",
        ),
        pytest.param(
            {"integrations.0.network": network(service_endpoints=["ec2"])},
            "integrations[0].network.service_endpoints[0]",
            "'sqs'",
            id="unknown-service",
        ),
        pytest.param(
            {"integrations.0.network": network(dns={"allowed_domains": ["Vendor.Example"]})},
            "integrations[0].network.dns.allowed_domains[0]",
            "write a lowercase name",
            id="uppercase-domain",
        ),
        pytest.param(
            {"integrations.0.network": network(flow_log_archive_bucket="central-archive")},
            "integrations[0].network.flow_log_archive_bucket",
            "is not an S3 bucket ARN",
            id="archive-not-an-arn",
        ),
        pytest.param(
            {"integrations.0.network": network(az_names={"euc1-az1": "eu-west-1a", "euc1-az2": "eu-central-1b"})},
            "integrations[0].network.az_names.euc1-az1",
            "'eu-west-1a' is not an AZ name of eu-central-1",
            id="az-name-of-other-region",
        ),
        pytest.param(
            {"integrations.0.network": network(az_names={"euc1-az1": "eu-central-1a"})},
            "integrations[0].network.az_names",
            "['euc1-az2'] have no name",
            id="az-names-incomplete",
        ),
    ],
)
def test_bad_network_field_names_path_value_and_fix(changes, path, fragment):
    issues = issues_of(spec_data(**changes))
    messages = [message for issue_path, message in issues if issue_path == path]
    assert messages, issues
    assert any(fragment in message for message in messages), messages


def test_architecture_lists_az_ids_endpoints_per_az_and_what_survives():
    spec = validate(
        spec_data(
            **{
                "organization.organization_id": "o-a1b2c3d4e5",
                "integrations.0.network": network(
                    vendor_endpoints=[ENDPOINT],
                    service_endpoints=["sqs", "s3"],
                    egress={"allowed_domains": [".v.example"]},
                ),
            }
        )
    )
    architecture = deployment_architecture(spec.integrations[0])
    (region,) = architecture.regions
    assert region.region == "eu-central-1"
    assert region.az_ids == ("euc1-az1", "euc1-az2")
    zones = {zone.az_id: zone for zone in region.zones}
    assert zones["euc1-az1"].endpoints == ("vendor-api", "aws:sqs")
    assert zones["euc1-az2"].endpoints == ("aws:sqs",)
    assert zones["euc1-az1"].subnet_cidr == "10.20.0.0/24"  # egress halves the workload share
    assert all(zone.egress for zone in region.zones)
    assert any("'vendor-api' is lost with euc1-az1" in effect for effect in region.if_one_az_fails)
    assert "down" in architecture.if_one_region_fails
    data = architecture.to_dict()
    assert data["regions"][0]["zones"][0]["endpoints"] == ["vendor-api", "aws:sqs"]


def test_architecture_of_a_multi_region_integration_survives_a_region():
    data = spec_data(**{"integrations.1.regions": ["eu-west-1", "eu-central-1"]})
    data["integrations"][1]["network"]["az_ids"] = ["euw1-az1", "euw1-az2", "euc1-az1", "euc1-az2"]
    data["integrations"][1]["account"] = {"adopt": "220000000002"}
    architecture = deployment_architecture(validate(data).integrations[1])
    assert [r.region for r in architecture.regions] == ["eu-west-1", "eu-central-1"]
    assert "keep working" in architecture.if_one_region_fails


def test_summary_renders_the_architecture(example_synth):
    from airlock.synth import render_summary

    result, _ = example_synth
    text = render_summary(result)
    assert "deployment architecture (by AZ ID):" in text
    assert "  crm in eu-central-1: euc1-az1, euc1-az2, euc1-az3" in text
    assert "euc1-az3   10.20.2.0/24     endpoints aws:sqs" in text
    assert "firewall + NAT" in text
    assert "region lost: the integration is down: it runs in eu-west-1 only" in text


def test_summary_says_which_regional_services_survive_an_az_in_correct_number(example_synth):
    from airlock.synth import render_summary

    result, _ = example_synth
    text = render_summary(result)
    # payroll has one buffer and a drop zone, crm one buffer
    assert "SQS and S3 are regional services: the buffer and the drop zone keep working" in text
    assert "SQS is a regional service: the buffer keeps working" in text
    assert "regional services and are not affected" not in text


@pytest.mark.parametrize(
    ("buffers", "drop_zone", "text"),
    [
        (2, False, "SQS is a regional service: the buffers keep working"),
        (0, True, "S3 is a regional service: the drop zone keeps working"),
        (2, True, "SQS and S3 are regional services: the buffers and the drop zone keep working"),
        (0, False, None),
    ],
)
def test_regional_services_sentence(buffers, drop_zone, text):
    from airlock.spec.impact import _regional_effect

    assert _regional_effect(buffers, drop_zone) == text
