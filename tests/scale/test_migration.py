"""Upgrading from one organization stack to the split layout replaces no account.

``data/organization-before-split.template.json`` is the ``airlock-organization`` template
that airlock 0.1 (one organization stack) synthesized for ``data/migration.yaml``: four
created accounts (two in sub-OUs), four adopted ones, one suspended. The new layout is
synthesized for the same spec with the documented upgrade (every integration listed in
``organization.layout.kept_in_organization_stack``) and without it. CloudFormation creates a
new account for an ``AWS::Organizations::Account`` whose logical id is new in its stack, and
replaces one whose create-only properties change (cfn-lint's resource schema lists them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from airlock.spec import load_account_lock, validate
from tests.conftest import read_assembly

DATA = Path(__file__).parent / "data"
ACCOUNT = "AWS::Organizations::Account"
SCP = "AWS::Organizations::Policy"


def create_only(type_name: str) -> list[str]:
    """The create-only properties of a resource type, from cfn-lint's resource schemas."""
    import cfnlint.data.schemas

    root = Path(cfnlint.data.schemas.__file__).parent
    index = json.loads((root / "providers" / "us-east-1.json").read_text())
    schema = json.loads((root / "resources" / f"{index[type_name]}.json").read_text())
    return [p.removeprefix("/properties/") for p in schema.get("createOnlyProperties", [])]


def replaced(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], type_name: str) -> list[str]:
    """Resources of ``type_name`` in the old stacks that the new stacks would replace or create anew."""
    found = []
    fixed = create_only(type_name)
    for stack, template in old.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] != type_name:
                continue
            after = new.get(stack, {}).get("Resources", {}).get(logical_id)
            if after is None or after["Type"] != type_name:
                found.append(f"{stack}/{logical_id}: gone from its stack (CloudFormation would create a new one)")
                continue
            changed = [p for p in fixed if resource["Properties"].get(p) != after["Properties"].get(p)]
            if changed:
                found.append(f"{stack}/{logical_id}: create-only {changed} changed (a replacement)")
    return found


def accounts_by_name(templates: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for stack, template in templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == ACCOUNT:
                out.setdefault(resource["Properties"]["AccountName"], []).append(f"{stack}/{logical_id}")
    return out


def synthesize(tmp_path: Path, kept: bool) -> dict[str, dict[str, Any]]:
    from airlock.stacks import build, new_app

    data = yaml.safe_load((DATA / "migration.yaml").read_text())
    if kept:
        names = [i["name"] for i in data["integrations"]]
        data["organization"]["layout"] = {"kept_in_organization_stack": names}
    outdir = tmp_path / ("kept" if kept else "moved")
    app = new_app(outdir)
    build(app, validate(data), lock=load_account_lock(DATA / "migration.yaml"), packs=())
    app.synth()
    templates = read_assembly(outdir).templates
    return {name: t for name, t in templates.items() if name.startswith("airlock-organization")}


@pytest.fixture(scope="module")
def old() -> dict[str, dict[str, Any]]:
    return {"airlock-organization": json.loads((DATA / "organization-before-split.template.json").read_text())}


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> dict[bool, dict[str, dict[str, Any]]]:
    base = tmp_path_factory.mktemp("migration")
    return {kept: synthesize(base, kept) for kept in (True, False)}


def test_the_old_layout_held_every_created_account(old):
    assert len(accounts_by_name(old)) == 4


def test_the_documented_upgrade_replaces_no_account(old, layouts):
    new = layouts[True]
    assert replaced(old, new, ACCOUNT) == []
    before = old["airlock-organization"]["Resources"]
    after = new["airlock-organization"]["Resources"]
    for logical_id, resource in before.items():
        if resource["Type"] == ACCOUNT:  # not even an in-place update
            assert after[logical_id] == resource, logical_id
    # no second account of any name anywhere in the new layout
    assert all(len(places) == 1 for places in accounts_by_name(new).values())
    assert set(accounts_by_name(new)) == set(accounts_by_name(old))


#: Actions a guardrail gained since airlock 0.1 (an in-place update of the SCP's content).
GAINED = {
    "AirlockDenyInternetGateway": {"ec2:CreateVpcBlockPublicAccessExclusion", "ec2:ModifyVpcBlockPublicAccessExclusion"}
}


def _as_of_0_1(properties: dict[str, Any]) -> dict[str, Any]:
    """An SCP's properties without the actions its statements gained since airlock 0.1."""
    out = json.loads(json.dumps(properties))
    for statement in out.get("Content", {}).get("Statement", []):
        gained = GAINED.get(statement.get("Sid", ""))
        if gained and isinstance(statement.get("Action"), list):
            kept = [a for a in statement["Action"] if a not in gained]
            statement["Action"] = kept[0] if len(kept) == 1 else kept
    return out


def test_the_documented_upgrade_keeps_every_scp_where_it_was(old, layouts):
    new = layouts[True]
    assert replaced(old, new, SCP) == []
    before = {k: r for k, r in old["airlock-organization"]["Resources"].items() if r["Type"] == SCP}
    after = new["airlock-organization"]["Resources"]
    for logical_id, resource in before.items():
        assert _as_of_0_1(after[logical_id]["Properties"]) == resource["Properties"], logical_id


def test_without_the_upgrade_every_created_account_would_be_created_again(old, layouts):
    """The check has teeth: the plain new layout moves the accounts into account stacks."""
    new = layouts[False]
    problems = replaced(old, new, ACCOUNT)
    assert len(problems) == 4 and all("gone from its stack" in p for p in problems)
    moved = accounts_by_name(new)
    assert set(moved) == set(accounts_by_name(old))
    assert all(place.startswith("airlock-organization-accounts-") for places in moved.values() for place in places)


def test_the_account_schema_is_read(old):
    """cfn-lint's schema answers for the types checked here (a missing type is an error, not 'no replacement')."""
    assert create_only(ACCOUNT) == []  # every property of an account updates in place
    with pytest.raises(KeyError):
        create_only("AWS::Organizations::NoSuchType")


def test_the_upgraded_organization_stack_only_gains_the_ou_exports_and_the_perimeter(old, layouts):
    """Besides the OU exports, the upgrade adds only the organization policies that airlock 0.1
    did not have (RCPs and the other perimeter policies, docs/guardrails.md); every resource of
    the old template stays exactly as it was."""
    new = layouts[True]
    assert list(new) == ["airlock-organization"]  # every integration kept: no account stack yet
    before, after = old["airlock-organization"], new["airlock-organization"]
    kept = {key: value for key, value in after["Resources"].items() if key in before["Resources"]}
    for value in kept.values():
        if value["Type"] == SCP:
            value["Properties"] = _as_of_0_1(value["Properties"])
    assert kept == before["Resources"]
    gained = [r for key, r in after["Resources"].items() if key not in before["Resources"]]
    assert gained and {r["Type"] for r in gained} == {SCP}
    assert "SERVICE_CONTROL_POLICY" not in {r["Properties"]["Type"] for r in gained}
    added = set(after["Outputs"]) - set(before["Outputs"])
    assert set(before["Outputs"]) <= set(after["Outputs"])
    exports = {name for name in added if "Export" in after["Outputs"][name]}
    assert added - exports == {"QuarantineRcpId"}
    assert {after["Outputs"][name]["Export"]["Name"].split("-")[2] for name in exports} == {
        "saas",
        "restricted",
        "payroll",
    }
