"""`airlock diff OLD NEW`: security-relevant changes in words, access widening action by action, exit codes."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import yaml

from airlock.access.assembly import read_stacks
from airlock.changes.access_diff import scp_changes
from airlock.changes.spec_diff import spec_changes
from airlock.cli import main
from airlock.spec import load, load_account_lock, validate
from tests.conftest import EXAMPLE_SPEC
from tests.specs import dump

CRM_VENDOR = "arn:aws:iam::900000000011:role/nimbus-event-publisher"


def example_data():
    return yaml.safe_load(EXAMPLE_SPEC.read_text())


def write_spec(folder: Path, data) -> Path:
    """``data`` as a spec in ``folder``, with the example's account lock beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = folder / "landing-zone.yaml"
    spec.write_text(dump(data))
    shutil.copy(EXAMPLE_SPEC.with_name("landing-zone.accounts.json"), folder)
    return spec


def changed(mutate) -> tuple[list, list]:
    """Spec changes between the example and the example after ``mutate(data)``."""
    data = example_data()
    mutate(data)
    accounts = load_account_lock(EXAMPLE_SPEC).ids
    return spec_changes(load(EXAMPLE_SPEC), validate(data, accounts=accounts))


@pytest.fixture(scope="module")
def widened(tmp_path_factory):
    data = example_data()
    data["integrations"][0]["access"]["grants"].append({"consume": "crm-events"})
    return write_spec(tmp_path_factory.mktemp("widened"), data)


def test_a_widened_grant_exits_1_and_names_the_added_actions(example_assembly, widened, capsys):
    assert main(["diff", str(example_assembly.outdir), str(widened)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("ACCESS WIDENS")
    queue = "arn:aws:sqs:eu-central-1:210000000001:airlock-crm-crm-events"
    for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"):
        assert f"crm: {CRM_VENDOR}: can now {action} on {queue}  WIDENS" in out
    assert "sqs:SendMessage" not in out  # it could send before: no change
    assert 'declared grants: {"consume": "crm-events"} added  WIDENS' in out


def test_json_lists_each_added_action_as_a_widening_change(example_assembly, widened, capsys):
    assert main(["diff", str(example_assembly.outdir), str(widened), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["widens"] is True
    gained = {c["detail"] for c in report["changes"] if c["category"] == "access" and c["subject"] == CRM_VENDOR}
    assert "can now sqs:ReceiveMessage on arn:aws:sqs:eu-central-1:210000000001:airlock-crm-crm-events" in gained
    assert all(c["widens"] for c in report["changes"] if c["kind"] == "added" and c["category"] == "access")


def test_narrowing_is_reported_and_exits_0(example_assembly, tmp_path, capsys):
    data = example_data()
    data["integrations"][1]["access"]["grants"] = [{"send": "payroll-files"}]  # no more put_objects
    spec = write_spec(tmp_path, data)
    assert main(["diff", str(example_assembly.outdir), str(spec)]) == 0
    out = capsys.readouterr().out
    assert "payroll: arn:aws:iam::900000000022:role/ledgerly-file-transfer: can no longer s3:PutObject" in out
    assert "WIDENS" not in out


def test_two_specs_that_differ_in_a_description_only_exit_0(tmp_path, capsys):
    data = example_data()
    data["integrations"][0]["description"] = "Customer records from Nimbus CRM."
    new = write_spec(tmp_path / "new", data)
    assert main(["diff", str(EXAMPLE_SPEC), str(new), "--format", "markdown"]) == 0
    captured = capsys.readouterr()
    assert "no security-relevant changes" in captured.out
    assert "Other changed fields (no security property): `integrations.crm.description`" in captured.out
    assert "airlock diff: [2/4] synthesizing OLD" in captured.err and "[3/4] synthesizing NEW" in captured.err


def test_spec_changes_in_words_and_which_widen():
    def mutate(data):
        crm = data["integrations"][0]
        crm["access"]["source_ips"] = []
        crm["access"]["external_id"] = "nimbus-0000000000000000-changed"
        crm["network"]["dns"]["allowed_domains"].append(".files.nimbus-crm.example")
        crm["network"]["flow_log_retention_days"] = 400
        crm["observability"]["subscribers"] = ["sales-oncall@contoso-freight.example"]
        crm["network"]["vendor_endpoints"][0]["sources"].append("10.20.1.0/24")
        data["integrations"][2]["regions"].reverse()  # order is no change
        del data["integrations"][1]

    changes, other = changed(mutate)
    found = {(c.subject, c.detail): c.widens for c in changes}
    assert found[("integrations.crm.access.source_ips", "AssumeRole source ranges: 198.51.100.0/24 removed")] is False
    no_ranges = "AssumeRole source ranges: no ranges left: AssumeRole is accepted from anywhere"
    assert found[("integrations.crm.access.source_ips", no_ranges)] is True
    secret = ("integrations.crm.access.external_id", "external id: (value not shown) -> (value not shown)")
    assert found[secret] is False
    domain = ("integrations.crm.network.dns.allowed_domains", "allowed domains: .files.nimbus-crm.example added")
    assert found[domain] is True
    assert found[("integrations.crm.network.flow_log_retention_days", "retention: 365 -> 400")] is False
    recipients = "alarm and budget recipients: sales-oncall@contoso-freight.example added"
    assert found[("integrations.crm.observability.subscribers", recipients)] is False
    sources = "vendor endpoint sources or ports: 10.20.1.0/24 added"
    assert found[("integrations.crm.network.vendor_endpoints.nimbus-api.sources", sources)] is True
    assert found[("integrations.payroll", "integration payroll removed")] is False
    assert not [c for c in changes if c.integration == "payroll" and c.subject != "integrations.payroll"]
    assert not [c for c in changes if "regions" in c.subject]
    assert "nimbus-0000000000000000-changed" not in repr(changes)
    assert other == []


def test_new_principals_and_exposed_apis_widen():
    def mutate(data):
        crm = data["integrations"][0]
        crm["access"]["principals"].append("arn:aws:iam::900000000011:role/nimbus-admin")
        crm["network"]["exposed_apis"].append({"name": "invoices", "ports": [443], "targets": ["10.20.0.11"]})

    changes, _ = changed(mutate)
    widening = {c.detail for c in changes if c.widens}
    assert "trusted vendor principals: arn:aws:iam::900000000011:role/nimbus-admin added" in widening
    assert "PrivateLink endpoint or exposed API invoices added" in widening


def test_new_event_sources_and_vendor_notifications_widen():
    source = "aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE"

    def mutate(data):
        crm = data["integrations"][0]
        crm["event_sources"] = [{"name": source, "buffer": crm["buffers"][0]["name"]}]
        payroll = data["integrations"][1]
        zone = payroll["drop_zone"]
        zone["notify_buffer_prefixes"] = list(zone["prefixes"])
        zone["prefixes"] = [*zone["prefixes"], "export/"]
        account = payroll["vendor"]["account_ids"][0]
        zone["notify_vendor"] = [{"arn": f"arn:aws:sqs:eu-central-1:{account}:vendor-files", "prefixes": ["export/"]}]

    changes, _ = changed(mutate)
    widening = {c.detail for c in changes if c.widens}
    assert f"EventBridge partner event source into a buffer {source} added" in widening
    assert any(d.startswith("drop-zone notifications to the vendor's own queues or topics:") for d in widening)


def test_a_detached_or_changed_scp_statement_widens(example_assembly):
    stacks = read_stacks(example_assembly.outdir)

    def crm_policies(stack):
        resources = stack.template.get("Resources", {}).values()
        return [r for r in resources if r.get("Properties", {}).get("Name") == "airlock-integration-crm-1"]

    (organization,) = [s for s in stacks if crm_policies(s)]  # the organization stack that holds crm's SCP
    template = copy.deepcopy(dict(organization.template))
    edited = dataclasses.replace(organization, template=template)
    (crm,) = crm_policies(edited)
    statements = crm["Properties"]["Content"]["Statement"]
    removed = statements.pop(0)["Sid"]
    statements[0]["Action"] = ["ec2:CreateVpc"]
    new = [edited if s is organization else s for s in stacks]
    changes = {(c.kind, c.detail): c.widens for c in scp_changes(stacks, new)}
    assert changes[("removed", f"SCP statement {removed} no longer applies to account 210000000001")] is True
    assert [k for k in changes if k[0] == "changed"] == [
        (
            "changed",
            f"SCP statement {statements[0]['Sid']} on account 210000000001 changed: review whether it denies less",
        )
    ]
    assert scp_changes(stacks, stacks) == []


def test_bad_input_exits_2_with_a_clear_error(tmp_path, capsys, example_assembly):
    assert main(["diff", str(tmp_path / "missing.yaml"), str(EXAMPLE_SPEC)]) == 2
    assert "OLD '" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["diff", str(EXAMPLE_SPEC), str(empty)]) == 2
    assert "NEW '" in (err := capsys.readouterr().err) and "no manifest.json" in err
    # an assembly without the recorded spec (an older saas-airlock, or not airlock at all)
    stripped = tmp_path / "stripped"
    shutil.copytree(example_assembly.outdir, stripped)
    (stripped / "airlock-spec.json").unlink()
    assert main(["diff", str(stripped), str(EXAMPLE_SPEC)]) == 2
    assert "records no spec" in capsys.readouterr().err
    broken = example_data()
    broken["integrations"][0]["access"]["external_id"] = "short"
    spec = write_spec(tmp_path / "broken", broken)
    assert main(["diff", str(example_assembly.outdir), str(spec)]) == 2
    captured = capsys.readouterr()
    assert "integrations[0].access.external_id" in captured.err and captured.out == ""
    assert "Traceback" not in captured.err


def test_a_webhook_and_a_wider_allow_list_widen():
    from tests.conftest import RECIPES

    before = load(RECIPES["github-webhooks"])
    data = yaml.safe_load(RECIPES["github-webhooks"].read_text())
    hook = data["integrations"][0]["webhooks"][0]
    hook["source_ranges"].append("20.201.28.0/24")
    hook["required_headers"].remove("X-Hub-Signature-256")
    data["integrations"][0]["webhooks"].append(
        {"name": "status", "buffer": "deliveries", "source_ranges": ["20.0.0.0/16"]}
    )
    changes, _ = spec_changes(before, validate(data))
    found = {c.detail: c.widens for c in changes}
    assert found["webhook source ranges: 20.201.28.0/24 added"] is True
    assert found["required webhook headers: X-Hub-Signature-256 removed"] is True
    assert found["public webhook endpoint status added"] is True


def test_a_vendor_resource_account_widens_and_removing_a_network_does_not():
    def mutate(data):
        crm = data["integrations"][0]
        crm["network"]["service_endpoints"].append("s3")
        crm["network"]["vendor_resources"] = [
            {"account_id": "709825985650", "services": ["s3"], "reason": "the vendor's export bucket is there"}
        ]

    changes, _ = changed(mutate)
    widening = [c.detail for c in changes if c.widens]
    assert any(d.startswith("vendor accounts the service endpoints admit:") and "709825985650" in d for d in widening)

    def drop(data):
        crm = data["integrations"][0]
        del crm["network"]
        crm["data_flows"] = [flow for flow in crm.get("data_flows", []) if flow["via"] != "privatelink"]

    changes, _ = changed(drop)
    assert [c for c in changes if c.integration == "crm"]
    assert not [c for c in changes if c.widens and c.integration == "crm"]
