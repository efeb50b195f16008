"""The lock file writer and the reconciliation of `airlock accounts sync` (no AWS needed)."""

from __future__ import annotations

import json

import pytest

from airlock.account_sync import SyncResult, discover, reconcile
from airlock.spec import load_account_lock, validate
from airlock.spec.accounts import render_account_lock, save_account_lock
from tests.conftest import ROOT
from tests.specs import spec_data


def test_lock_format_is_the_one_the_example_uses():
    example = ROOT / "examples" / "landing-zone.accounts.json"
    assert render_account_lock({"payroll": "220000000002"}) == example.read_text()


def test_save_writes_the_lock_beside_the_spec_and_it_reads_back(tmp_path):
    spec = tmp_path / "zone.yaml"
    path = save_account_lock(spec, {"b": "200000000002", "a": "100000000001"})
    assert path == tmp_path / "zone.accounts.json"
    assert json.loads(path.read_text()) == {"accounts": {"a": "100000000001", "b": "200000000002"}}
    assert load_account_lock(spec).ids == {"a": "100000000001", "b": "200000000002"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zone.accounts.json"]  # no temporary left


def test_save_refuses_bad_ids_and_leaves_the_old_file(tmp_path):
    spec = tmp_path / "zone.yaml"
    save_account_lock(spec, {"a": "100000000001"})
    with pytest.raises(ValueError, match="nothing was written"):
        save_account_lock(spec, {"a": "1234"})
    assert json.loads((tmp_path / "zone.accounts.json").read_text()) == {"accounts": {"a": "100000000001"}}


class FakeOrganizations:
    """Just enough of the Organizations client for discover()."""

    def __init__(self, ous: dict[str, list[dict]], accounts: dict[str, list[dict]]):
        self.ous, self.accounts = ous, accounts

    def get_paginator(self, operation):
        source = self.ous if operation == "list_organizational_units_for_parent" else self.accounts
        key = "OrganizationalUnits" if operation == "list_organizational_units_for_parent" else "Accounts"

        class Paginator:
            def paginate(self, ParentId):
                yield {key: source.get(ParentId, [])}

        return Paginator()


def test_discover_matches_by_name_and_email_and_reports_mismatches():
    spec = validate(spec_data())
    client = FakeOrganizations(
        {"r-a1b2": [{"Name": "saas-integrations", "Id": "ou-a1b2-00000001"}]},
        {"ou-a1b2-00000001": [{"Name": "airlock-payroll", "Email": "other@example.com", "Id": "220000000002"}]},
    )
    result = discover(spec, client)
    assert result.found == {}
    ((name, message),) = result.mismatched
    assert name == "payroll" and "correct the spec or the account" in message

    client.accounts["ou-a1b2-00000001"][0]["Email"] = "PAYROLL@example.com"  # emails compare case-insensitively
    assert discover(spec, client).found == {"payroll": "220000000002"}


def test_reconcile_drops_stale_entries_and_keeps_unfound_ones():
    spec = validate(spec_data())
    report = reconcile(spec, {"payroll": "220000000002", "crm": "210000000001"}, SyncResult(missing=["payroll"]))
    assert report.ids == {"payroll": "220000000002"}  # kept: not found, but recorded before
    assert report.changed and report.drift
    assert any("crm: removed" in line for line in report.lines)
