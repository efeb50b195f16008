"""`airlock accounts sync` against the emulator's Organizations API: lock file, then the next synth."""

from __future__ import annotations

import itertools
import json

import aws_cdk as cdk
import pytest

from airlock import aws_calls
from airlock.cli import main
from airlock.spec import load, load_account_lock
from airlock.stacks import build
from tests.specs import dump, spec_data

pytestmark = pytest.mark.integration

_ACCOUNTS = itertools.count(100000000071)


@pytest.fixture
def management() -> str:
    return str(next(_ACCOUNTS))  # an organization of its own for every test


@pytest.fixture
def organization(emulator, monkeypatch, management):
    """An organization in the emulator, seen with the management account's credentials."""
    session = emulator.session(management)
    credentials = session.get_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)
    client = emulator.client("organizations", management, "us-east-1")
    client.create_organization(FeatureSet="ALL")
    root = client.list_roots()["Roots"][0]["Id"]
    return client, root


def write_spec(tmp_path, root: str, management: str):
    data = spec_data(**{"organization.parent_id": root, "organization.management_account_id": management})
    data["organization"]["ous"] = [{"name": "restricted"}]
    data["integrations"][1]["ou"] = "restricted"
    spec = tmp_path / "landing-zone.yaml"
    spec.write_text(dump(data))
    return spec


def create_account(client, parent: str, name: str, email: str) -> str:
    status = client.create_account(AccountName=name, Email=email)["CreateAccountStatus"]
    account = client.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    account_id = account["AccountId"]
    root = client.list_parents(ChildId=account_id)["Parents"][0]["Id"]
    client.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=parent)
    return account_id


def test_sync_writes_the_lock_file_and_the_next_synth_includes_the_integration(
    emulator, organization, management, tmp_path, capsys
):
    client, root = organization
    spec_path = write_spec(tmp_path, root, management)
    lock_path = tmp_path / "landing-zone.accounts.json"
    argv = ["accounts", "sync", str(spec_path), "--endpoint-url", emulator.endpoint]

    # Before the organization stack is deployed: no dedicated OU, nothing written.
    assert main(argv) == 1
    assert "no OU named 'saas-integrations'" in capsys.readouterr().err
    assert not lock_path.exists()

    # What deploying the organization stack does: the OU tree and the created account.
    dedicated = client.create_organizational_unit(ParentId=root, Name="saas-integrations")["OrganizationalUnit"]["Id"]
    restricted = client.create_organizational_unit(ParentId=dedicated, Name="restricted")["OrganizationalUnit"]["Id"]
    create_account(client, dedicated, "someone-else", "other@example.com")  # not in the spec: ignored

    # The created account does not exist yet: reported, nothing written.
    app = cdk.App()
    before = build(app, load(spec_path), lock=load_account_lock(spec_path))
    assert [name for name, _ in before.skipped] == ["payroll"]
    assert main(argv) == 1
    assert "payroll: not created yet" in capsys.readouterr().out
    assert not lock_path.exists()

    account_id = create_account(client, restricted, "airlock-payroll", "payroll@example.com")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"payroll: {account_id} (new)" in out
    assert json.loads(lock_path.read_text()) == {"accounts": {"payroll": account_id}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landing-zone.accounts.json", "landing-zone.yaml"]

    # The next synth includes the integration's stack, in that account.
    zone = build(cdk.App(), load(spec_path), lock=load_account_lock(spec_path))
    assert zone.skipped == []
    stacks = {stack.stack_name: stack.account for stack in zone.integrations}
    assert stacks["airlock-payroll-eu-west-1"] == account_id

    # Again: unchanged, and --check agrees.
    assert main(argv) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main([*argv, "--check"]) == 0


def test_check_reports_an_out_of_date_lock_without_writing(emulator, organization, management, tmp_path, capsys):
    client, root = organization
    spec_path = write_spec(tmp_path, root, management)
    dedicated = client.create_organizational_unit(ParentId=root, Name="saas-integrations")["OrganizationalUnit"]["Id"]
    restricted = client.create_organizational_unit(ParentId=dedicated, Name="restricted")["OrganizationalUnit"]["Id"]
    create_account(client, restricted, "airlock-payroll", "payroll@example.com")
    lock_path = tmp_path / "landing-zone.accounts.json"
    lock_path.write_text('{"accounts": {"payroll": "999999999999"}}\n')
    argv = ["accounts", "sync", str(spec_path), "--endpoint-url", emulator.endpoint]
    assert main([*argv, "--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert json.loads(lock_path.read_text()) == {"accounts": {"payroll": "999999999999"}}


def test_sync_without_reachable_organizations_exits_1_and_writes_nothing(emulator, tmp_path, capsys, monkeypatch):
    # Network trouble is not bad input: exit 1, "run again" (exit 2 is for the input alone).
    monkeypatch.setattr(aws_calls, "POLICY", aws_calls.RetryPolicy(sleep=lambda _: None))
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(dump(spec_data()))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    argv = ["accounts", "sync", str(spec_path), "--endpoint-url", "http://127.0.0.1:9"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "cannot read the organization: organizations:ListOrganizationalUnitsForParent failed after 5 attempts" in err
    assert "nothing was written, run again" in err and "Traceback" not in err
    assert not (tmp_path / "spec.accounts.json").exists()
