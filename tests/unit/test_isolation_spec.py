"""Accounts a vendor must never touch: checked across the whole spec and the account lock file.

An intermediate account is the organisation's: never the management account, a core account
or an account a vendor operates from. A vendor is never trusted with more than its own
accounts: not as the bootstrap StackSet's trusted account, not as a principal of an API the
organisation exposes to it. Created accounts count with the ids the lock file records.
"""

from __future__ import annotations

import json

import pytest

from airlock.cli import main
from airlock.spec import SpecError, load, validate
from tests.specs import dump, set_path, spec_data

CORE = "300000000001"
CRM_VENDOR = "900000000011"
PAYROLL_VENDOR = "900000000022"
CRM_ACCOUNT = "210000000001"
PAYROLL_ACCOUNT = "220000000002"


def base(**changes):
    data = spec_data(**{"organization.access": {"core_account_ids": [CORE]}})
    for dotted, value in changes.items():
        set_path(data, dotted, value)
    return data


def issues_of(data, accounts=None) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data, accounts=accounts)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def exposed_api(*principals: str) -> dict:
    return {"name": "status", "ports": [443], "targets": ["10.20.0.10"], "allowed_principals": list(principals)}


CASES = {
    "adopt-core-account": (
        {"integrations.0.account": {"adopt": CORE}},
        None,
        "integrations[0].account.adopt",
        [f"'{CORE}' is a core account (organization.access.core_account_ids[0])", "adopt a member account"],
    ),
    "adopt-own-vendor-account": (
        {"integrations.0.account": {"adopt": CRM_VENDOR}},
        None,
        "integrations[0].account.adopt",
        [f"'{CRM_VENDOR}' is a vendor account of integrations[0] (crm) (integrations[0].vendor.account_ids[0])"],
    ),
    "adopt-another-vendors-account": (
        {"integrations.0.account": {"adopt": PAYROLL_VENDOR}},
        None,
        "integrations[0].account.adopt",
        ["integrations[1] (payroll) (integrations[1].vendor.account_ids[0])", "never hold it"],
    ),
    "vendor-account-is-another-intermediate": (
        {"integrations.1.vendor.account_ids": [CRM_ACCOUNT]},
        None,
        "integrations[0].account.adopt",
        [f"'{CRM_ACCOUNT}' is a vendor account of integrations[1] (payroll)"],
    ),
    "created-account-is-management": (
        {},
        {"payroll": "100000000001"},
        "integrations[1].account.create",
        ["accounts.payroll in the account lock file", "'100000000001' is the management account"],
    ),
    "created-account-is-core": (
        {},
        {"payroll": CORE},
        "integrations[1].account.create",
        ["accounts.payroll in the account lock file", f"'{CORE}' is a core account"],
    ),
    "created-account-is-a-vendors": (
        {},
        {"payroll": CRM_VENDOR},
        "integrations[1].account.create",
        ["accounts.payroll in the account lock file", "vendor account of integrations[0] (crm)"],
    ),
    "created-account-is-an-adopted-one": (
        {},
        {"payroll": CRM_ACCOUNT},
        "integrations[1].account.create",
        [f"'{CRM_ACCOUNT}' is already the account of integrations[0] (crm) (integrations[0].account.adopt)"],
    ),
    "bootstrap-trusts-a-vendor": (
        {"organization.bootstrap": {"trusted_account_id": PAYROLL_VENDOR}},
        None,
        "organization.bootstrap.trusted_account_id",
        ["vendor account of integrations[1] (payroll)", "every account of the OU", "leave it out"],
    ),
    "bootstrap-trusts-an-intermediate-account": (
        {"organization.bootstrap": {"trusted_account_id": CRM_ACCOUNT}},
        None,
        "organization.bootstrap.trusted_account_id",
        ["the intermediate account of integrations[0] (crm) (integrations[0].account.adopt)"],
    ),
    "bootstrap-trusts-a-created-intermediate-account": (
        {"organization.bootstrap": {"trusted_account_id": PAYROLL_ACCOUNT}},
        {"payroll": PAYROLL_ACCOUNT},
        "organization.bootstrap.trusted_account_id",
        ["the intermediate account of integrations[1] (payroll) (accounts.payroll in the account lock file)"],
    ),
    "exposed-api-admits-a-core-account": (
        {"integrations.0.network.exposed_apis": [exposed_api(f"arn:aws:iam::{CORE}:root")]},
        None,
        "integrations[0].network.exposed_apis[0].allowed_principals[0]",
        [f"core account {CORE}", "only the vendor's accounts", f"['{CRM_VENDOR}']"],
    ),
    "exposed-api-admits-the-management-account": (
        {"integrations.0.network.exposed_apis": [exposed_api("arn:aws:iam::100000000001:role/admin")]},
        None,
        "integrations[0].network.exposed_apis[0].allowed_principals[0]",
        ["the organization's management account 100000000001"],
    ),
    "exposed-api-admits-another-intermediate-account": (
        {"integrations.0.network.exposed_apis": [exposed_api(f"arn:aws:iam::{PAYROLL_ACCOUNT}:root")]},
        {"payroll": PAYROLL_ACCOUNT},
        "integrations[0].network.exposed_apis[0].allowed_principals[0]",
        ["the intermediate account of integrations[1] (payroll)"],
    ),
    "exposed-api-admits-an-unknown-account": (
        {"integrations.0.network.exposed_apis": [exposed_api("arn:aws:iam::900000000099:role/x")]},
        None,
        "integrations[0].network.exposed_apis[0].allowed_principals[0]",
        ["account 900000000099, which is not one of vendor.account_ids", "add the account there"],
    ),
}


@pytest.mark.parametrize(("changes", "accounts", "path", "fragments"), CASES.values(), ids=CASES.keys())
def test_accounts_a_vendor_must_never_touch_are_refused(changes, accounts, path, fragments):
    found = issues_of(base(**changes), accounts)
    messages = [message for where, message in found if where == path]
    assert messages, found
    for fragment in fragments:
        assert any(fragment in message for message in messages), (fragment, messages)


def test_the_vendors_own_accounts_are_accepted():
    data = base(**{"integrations.0.network.exposed_apis": [exposed_api(f"arn:aws:iam::{CRM_VENDOR}:root")]})
    data["organization"]["bootstrap"] = {"trusted_account_id": "500000000005"}
    spec = validate(data, accounts={"payroll": PAYROLL_ACCOUNT})
    assert spec.organization.bootstrap.trusted_account_id == "500000000005"


def test_lock_entries_of_adopted_integrations_do_not_count():
    """The lock file names created accounts; an entry for an adopted integration is ignored."""
    validate(base(), accounts={"crm": CORE, "payroll": PAYROLL_ACCOUNT})


def test_load_reads_the_lock_file_beside_the_spec(tmp_path):
    spec = tmp_path / "zone.yaml"
    spec.write_text(dump(base()))
    load(spec)  # no lock file: nothing known yet
    (tmp_path / "zone.accounts.json").write_text(json.dumps({"accounts": {"payroll": CRM_VENDOR}}))
    with pytest.raises(SpecError) as caught:
        load(spec)
    (issue,) = caught.value.issues
    assert issue.path == "integrations[1].account.create"
    assert str(tmp_path / "zone.accounts.json") in issue.message
    assert issue.line is not None


@pytest.mark.parametrize("case", ["adopt-core-account", "bootstrap-trusts-a-vendor", "created-account-is-core"])
def test_cli_validate_exits_2_naming_the_field(tmp_path, capsys, case):
    changes, accounts, path, _ = CASES[case]
    spec = tmp_path / "zone.yaml"
    spec.write_text(dump(base(**changes)))
    if accounts:
        (tmp_path / "zone.accounts.json").write_text(json.dumps({"accounts": accounts}))
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert path in err and "Traceback" not in err
