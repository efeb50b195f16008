"""The lock file writer and the reconciliation of `airlock accounts sync` (no AWS needed)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

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


def organizations(ous: dict[str, list[dict]], accounts: dict[str, list[dict]]) -> tuple[object, Stubber]:
    """An Organizations client whose answers are these OUs and accounts, per parent, in order of the calls."""
    client = boto3.client("organizations", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    for parent, children in ous.items():
        stubber.add_response(
            "list_organizational_units_for_parent",
            {"OrganizationalUnits": [{**ou, "Arn": f"arn:aws:organizations::1:ou/{ou['Id']}"} for ou in children]},
            {"ParentId": parent},
        )
    for parent, children in accounts.items():
        stubber.add_response("list_accounts_for_parent", {"Accounts": children}, {"ParentId": parent})
    stubber.activate()
    return client, stubber


def test_discover_matches_by_name_and_email_and_reports_mismatches():
    spec = validate(spec_data())
    ous = {"r-a1b2": [{"Name": "saas-integrations", "Id": "ou-a1b2-00000001"}]}
    account = {"Name": "airlock-payroll", "Email": "other@example.com", "Id": "220000000002"}
    client, stubber = organizations(ous, {"ou-a1b2-00000001": [account]})
    result = discover(spec, client)
    stubber.assert_no_pending_responses()
    assert result.found == {}
    ((name, message),) = result.mismatched
    assert name == "payroll" and "correct the spec or the account" in message

    # Emails compare case-insensitively.
    client, _ = organizations(ous, {"ou-a1b2-00000001": [{**account, "Email": "PAYROLL@example.com"}]})
    assert discover(spec, client).found == {"payroll": "220000000002"}


def test_reconcile_drops_stale_entries_and_keeps_unfound_ones():
    spec = validate(spec_data())
    report = reconcile(spec, {"payroll": "220000000002", "crm": "210000000001"}, SyncResult(missing=["payroll"]))
    assert report.ids == {"payroll": "220000000002"}  # kept: not found, but recorded before
    assert report.changed and report.drift
    assert any("crm: removed" in line for line in report.lines)
