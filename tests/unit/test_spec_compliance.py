"""The spec's compliance block: which packs run besides AwsSolutions and AirlockChecks."""

from __future__ import annotations

import pytest

from airlock.compliance import selected_packs
from airlock.spec import validate
from tests.specs import spec_data
from tests.unit.test_spec import issues_of


def test_default_selection_is_nist_and_control_tower():
    spec = validate(spec_data())
    assert spec.organization.compliance.packs == ["NIST.800.53.R5", "ControlTower"]
    assert selected_packs(spec.organization.compliance.packs) == (
        "AwsSolutions",
        "Airlock",
        "NIST.800.53.R5",
        "ControlTower",
    )


def test_a_spec_selects_its_packs_and_the_always_on_ones_stay():
    spec = validate(spec_data(**{"organization.compliance": {"packs": ["HIPAA.Security", "PCI.DSS.321"]}}))
    assert selected_packs(spec.organization.compliance.packs) == (
        "AwsSolutions",
        "Airlock",
        "HIPAA.Security",
        "PCI.DSS.321",
    )
    assert selected_packs(
        validate(spec_data(**{"organization.compliance": {"packs": []}})).organization.compliance.packs
    ) == (
        "AwsSolutions",
        "Airlock",
    )


@pytest.mark.parametrize(
    ("packs", "fragment"),
    [
        (["NIST.800.53.R9"], "'NIST.800.53.R9' is not allowed; use one of"),
        (["AwsSolutions"], "'AwsSolutions' always runs; remove it from packs"),
        (["Airlock"], "'Airlock' always runs"),
        (["ControlTower", "ControlTower"], "listed twice"),
    ],
)
def test_bad_pack_selection_names_the_value_and_the_fix(packs, fragment):
    issues = issues_of(spec_data(**{"organization.compliance": {"packs": packs}}))
    assert any(path.startswith("organization.compliance.packs") and fragment in message for path, message in issues), (
        issues
    )


def test_unknown_key_in_the_compliance_block():
    issues = issues_of(spec_data(**{"organization.compliance": {"pack": ["HIPAA.Security"]}}))
    assert ("organization.compliance.pack", "unknown key 'pack'; did you mean 'packs'?") in issues
