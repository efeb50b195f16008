"""Spec origins travel with the constructs: each resource finds the spec field (and line) that made it."""

from __future__ import annotations

import pytest

from airlock.access.findings import proof_findings
from airlock.access.proof import RULE_BEYOND, Failure, Proof
from airlock.compliance.origins import field_loc, origin_at, purpose_of, read_origins
from airlock.compliance.report import Finding
from tests.conftest import EXAMPLE_SPEC

NAMES = ["crm", "payroll", "events"]


def example_line(text: str) -> int:
    return EXAMPLE_SPEC.read_text().splitlines().index(text) + 1


@pytest.fixture(scope="module")
def origins(example_assembly):
    return read_origins(example_assembly.outdir)


@pytest.mark.parametrize(
    ("path", "field", "purpose"),
    [
        (
            "airlock-crm-eu-central-1/Buffers/crm-events/DeadLetterQueue/Resource",
            "integrations[0].buffers[0]",
            "buffer crm-events: dead letter queue",
        ),
        (
            "airlock-crm-eu-central-1/Network/Vendor-nimbus-api/Endpoint/Resource",
            "integrations[0].network.vendor_endpoints[0]",
            "PrivateLink endpoint to the vendor's nimbus-api: endpoint",
        ),
        ("airlock-payroll-eu-central-1/DropZone/Bucket/Resource", "integrations[1].drop_zone", "drop zone: bucket"),
        ("airlock-events-eu-west-1/Network/Egress", "integrations[2].network.egress", "filtered egress"),
        ("airlock-payroll-eu-central-1/VendorAccess/Role/Resource", "integrations[1].access", "vendor role: role"),
    ],
)
def test_resources_find_the_field_that_made_them(origins, path, field, purpose):
    found = origin_at(path, origins)
    assert found is not None
    assert found[1].spec_field(NAMES) == field
    assert purpose_of(path, origins) == purpose


def test_origins_are_named_by_integration_so_a_reordered_spec_keeps_them(origins):
    _, origin = origin_at("airlock-events-eu-west-1/Buffers/tracking/Queue/Resource", origins)
    assert origin.spec_field(["events", "crm"]) == "integrations[0].buffers[0]"
    assert origin.spec_field(["crm"]) is None


def test_field_paths_parse_into_spec_locations():
    assert field_loc("integrations[1].access.grants[0]") == ("integrations", 1, "access", "grants", 0)


def test_findings_get_the_spec_line_of_their_field(example_assembly):
    from airlock.compliance.origins import locate_in_spec

    on_queue = Finding(
        "Airlock", "Airlock-X", "d", "airlock-crm-eu-central-1/Buffers/crm-events/Queue/Resource", "error"
    )
    access = Finding("Access", RULE_BEYOND, "d", "payroll/x", "error", origin="integrations[1].access.grants[0]")
    located = locate_in_spec([on_queue, access], example_assembly.outdir, EXAMPLE_SPEC, {}, NAMES)
    assert (located[0].origin, located[0].origin_line) == (
        "integrations[0].buffers[0]",
        example_line("      - name: crm-events"),
    )
    assert located[1].origin_line == example_line("        - put_objects: drop/ledgerly/")


def test_access_failures_carry_their_spec_field():
    failure = Failure(RULE_BEYOND, "payroll", "can do more", "integrations[1].access")
    (finding,) = proof_findings(_Proof([failure]))
    assert finding.origin == "integrations[1].access"


class _Proof(Proof):
    def __init__(self, failures):
        super().__init__()
        self._failures = failures

    def failures(self):
        return self._failures
