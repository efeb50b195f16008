"""`airlock register`: integrations.json against its schema, Markdown with Mermaid checked by
mermaid's own parser, Backstage entities, determinism, atomic writes and bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from airlock.cli import main
from airlock.register import build_register, register_schema, write_register
from airlock.spec import validate
from tests.conftest import EXAMPLE_SPEC, ROOT
from tests.specs import dump

TODAY = "2026-11-29"
NODE = Path(sys.executable).parent / "node"
MERMAID_SCRIPT = ROOT / "tests" / "js" / "mermaid-parse.mjs"
ENTITY_NAME = re.compile(r"^([A-Za-z0-9]+[-_.])*[A-Za-z0-9]+$")


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_register(spec: Path, out: Path, assembly: Path | None, *extra: str) -> int:
    argv = ["register", str(spec), "--out", str(out), "--today", TODAY, *extra]
    if assembly is not None:
        argv += ["--assembly", str(assembly)]
    return main(argv)


@pytest.fixture(scope="module")
def example_register(example_assembly, tmp_path_factory):
    out = tmp_path_factory.mktemp("register") / "register"
    assert run_register(EXAMPLE_SPEC, out, example_assembly.outdir) == 0
    return out


@pytest.fixture(scope="module")
def records(example_register):
    data = json.loads((example_register / "integrations.json").read_text())
    return {r["name"]: r for r in data["integrations"]}


def test_register_writes_json_index_pages_and_catalog(example_register):
    assert sorted(files_of(example_register)) == [
        "catalog-info.yaml",
        "index.md",
        "integrations.json",
        "integrations/crm.md",
        "integrations/events.md",
        "integrations/payroll.md",
    ]


def test_published_register_schema_is_current():
    published = json.loads((ROOT / "schema" / "airlock-register.schema.json").read_text())
    assert published == register_schema(), "run `make schema` and commit schema/airlock-register.schema.json"


def test_integrations_json_validates_against_the_published_schema(example_register):
    schema = json.loads((ROOT / "schema" / "airlock-register.schema.json").read_text())
    data = json.loads((example_register / "integrations.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)
    broken = {**data, "integrations": [{**data["integrations"][0], "owner": None}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_records_reflect_spec_and_templates(records, example_spec):
    crm = records["crm"]
    assert crm["owner"] == "sales-platform" and crm["cost_centre"] == "CC-4711"
    assert crm["vendor"] == {"name": "Nimbus CRM", "account_ids": ["900000000011"]}
    assert crm["account"] == {"id": "210000000001", "provisioning": "adopted", "name": None}
    assert crm["az_ids"] == {"eu-central-1": ["euc1-az1", "euc1-az2", "euc1-az3"]}
    assert [f["name"] for f in crm["data_flows"]] == ["customer-read", "crm-events"]
    assert crm["budget"]["amount"] == 400 and crm["budget"]["thresholds_percent"] == [80, 100]
    assert crm["review"] == {
        "status": "current",
        "last_assessed": "2026-03-02",
        "interval": "12 months",
        "next_review": "2027-03-02",
        "days_left": 93,
    }
    assert crm["compliance"]["status"] == "passed" and crm["compliance"]["findings"] == []
    assert crm["stacks"][0]["name"] == "airlock-crm-eu-central-1"
    # from the templates, generically: the flow-log role, the queues, the flow log
    trusted = sorted(r["trusted_principals"] for r in crm["roles"])
    assert trusted == [
        ["AWS:arn:aws:iam::900000000011:role/nimbus-event-publisher"],
        ["Service:vpc-flow-logs.amazonaws.com"],
    ]
    assert {r["type"] for r in crm["logging"]} == {
        "AWS::EC2::FlowLog",
        "AWS::Logs::LogGroup",
        "AWS::Logs::MetricFilter",
        "AWS::CloudWatch::Alarm",
        "AWS::CloudWatch::Dashboard",
    }
    assert sorted(r["name"] for r in crm["resilience"]) == ["airlock-crm-crm-events", "airlock-crm-crm-events-dlq"]
    endpoint_types = {e["type"] for e in crm["endpoints"]}
    assert {"AWS::EC2::VPCEndpoint", "AWS::EC2::VPCEndpointService"} <= endpoint_types
    assert records["payroll"]["endpoints"] == []  # none synthesized for payroll: empty, never invented
    assert crm["guardrails"], "the organization stack's SCPs for crm's account are registered"
    assert {g["type"] for g in crm["guardrails"]} == {"AWS::Organizations::Policy"}
    by_stack: dict[str, set[tuple[str, str]]] = {}
    for g in crm["guardrails"]:
        by_stack.setdefault(g["stack"], set()).add((g["name"], g["policy_type"]))
    assert set(by_stack) == {"airlock-organization", "airlock-organization-accounts-20"}  # OU SCPs, crm's account stack
    # crm's account SCP and RCP, and the two kill-switch policies of the organization stack
    assert by_stack["airlock-organization-accounts-20"] == {
        ("airlock-integration-crm-1", "SERVICE_CONTROL_POLICY"),
        ("airlock-rcp-integration-crm-1", "RESOURCE_CONTROL_POLICY"),
    }
    assert {
        ("airlock-quarantine", "SERVICE_CONTROL_POLICY"),
        ("airlock-quarantine-rcp", "RESOURCE_CONTROL_POLICY"),
    } <= (by_stack["airlock-organization"])
    assert not [g for g in crm["guardrails"] if "integration-payroll" in g["name"] or "integration-events" in g["name"]]
    payroll = records["payroll"]
    assert payroll["account"]["provisioning"] == "created" and payroll["account"]["id"] == "220000000002"
    assert payroll["data_flows"][0]["buffer"] == "payroll-files"  # drop-zone flow: the notify buffer
    assert records["events"]["budget"]["notify"] == ["logistics-core@contoso-freight.example"]
    impact = records["events"]["deployment_impact"]
    assert impact["home_region"] == "eu-west-1" and "the other AZ keeps serving" in impact["az_loss"][0]
    assert "the integration stops" in impact["region_loss"][0]


def test_register_is_byte_identical_on_rerun_and_when_it_synthesizes_itself(example_register, tmp_path):
    """A second run, synthesizing the spec itself instead of reading the assembly, writes the same bytes."""
    again = tmp_path / "again"
    assert run_register(EXAMPLE_SPEC, again, None) == 0
    assert files_of(again) == files_of(example_register)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging folder left behind"


def test_changed_spec_changes_the_register(example_register, example_assembly, tmp_path, capsys):
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    crm = data["integrations"][0]
    crm["owner"] = "sales-operations"
    crm["review"] = {"last_assessed": "2025-01-15", "interval_months": 12}
    crm["data_flows"][0]["classification"] = "internal"
    spec = tmp_path / "landing-zone.yaml"
    spec.write_text(dump(data))
    shutil.copy(EXAMPLE_SPEC.with_name("landing-zone.accounts.json"), tmp_path)
    out = tmp_path / "register"
    capsys.readouterr()
    assert run_register(spec, out, example_assembly.outdir) == 0
    assert "review overdue: crm: review overdue since 2026-01-15" in capsys.readouterr().out
    before, after = files_of(example_register), files_of(out)
    assert sorted(k for k in before if before[k] != after[k]) == [
        "catalog-info.yaml",
        "index.md",
        "integrations.json",
        "integrations/crm.md",
    ]
    record = json.loads(after["integrations.json"])["integrations"][0]
    assert record["owner"] == "sales-operations" and record["review"]["status"] == "overdue"
    page = after["integrations/crm.md"].decode()
    assert "**OVERDUE**" in page and "customer-read (internal)" in page
    assert "**1 overdue or never assessed**" in after["index.md"].decode()


def test_backstage_entities_parse_and_have_required_fields(example_register):
    documents = list(yaml.safe_load_all((example_register / "catalog-info.yaml").read_text()))
    refs = {f"{d['kind'].lower()}:{d['metadata']['name']}" for d in documents}
    assert len(refs) == len(documents), "entity names are unique per kind"
    assert {"System", "Resource", "API"} <= {d["kind"] for d in documents}
    for document in documents:
        assert document["apiVersion"] == "backstage.io/v1alpha1"
        assert ENTITY_NAME.match(document["metadata"]["name"]) and len(document["metadata"]["name"]) <= 63
        assert document["spec"]["owner"].startswith("group:")
        if document["kind"] != "System":
            assert f"system:{document['spec']['system']}" in refs
        for relation in ("dependsOn", "dependencyOf"):
            for ref in document["spec"].get(relation, []):
                assert ref in refs, f"{document['metadata']['name']}.{relation} -> {ref} dangles"
        if document["kind"] == "API":
            assert document["spec"]["type"] and document["spec"]["lifecycle"] and document["spec"]["definition"]
    owners = {d["spec"]["owner"] for d in documents}
    assert owners == {"group:sales-platform", "group:hr-systems", "group:logistics-core"}


def parse_mermaid(*pages: Path) -> subprocess.CompletedProcess[str]:
    if not (ROOT / "node_modules" / "mermaid").is_dir():
        pytest.fail("node_modules/mermaid is missing: run `make setup` (npm ci installs mermaid and jsdom)")
    return subprocess.run(
        [str(NODE), str(MERMAID_SCRIPT), *map(str, pages)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


AWKWARD = {
    "integrations.0.vendor.name": 'Nimbus "CRM" <Cloud> | end',
    "integrations.0.buffers": [{"name": "end"}, {"name": "subgraph"}],
    "integrations.0.data_flows": [
        {
            "name": "push",
            "direction": "outbound",
            "classification": "internal",
            "description": 'Orders with "quotes" | pipes',
            "via": "privatelink",
            "buffer": "end",
            "consumers": ["order-api (v2)", 'quote "engine"', "end", "order-api_(v2)"],
        },
        {
            "name": "sync",
            "direction": "bidirectional",
            "classification": "public",
            "description": "Two-way sync.",
            "via": "role",
        },
        {
            "name": "files",
            "direction": "inbound",
            "classification": "confidential",
            "description": "Files; then a queue.",
            "via": "drop-zone",
            "buffer": "subgraph",
        },
    ],
    "integrations.0.drop_zone": {"prefixes": ["drop/"]},
}


def test_every_mermaid_block_parses_with_mermaids_own_parser(example_register, tmp_path):
    from tests.specs import spec_data

    spec = validate(spec_data(**AWKWARD), today=date(2026, 11, 29))  # payroll: no flows, no buffers
    awkward = tmp_path / "awkward"
    write_register(build_register(spec, today=date(2026, 11, 29)), awkward)
    pages = sorted((example_register / "integrations").glob("*.md")) + sorted(awkward.rglob("*.md"))
    done = parse_mermaid(*pages)
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(results) == 5 and all(r["ok"] and r["type"].startswith("flowchart") for r in results)


def test_the_mermaid_check_reports_a_broken_diagram(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text('# x\n\n```mermaid\nflowchart LR\n  a -->|"open| b[\n```\n')
    done = parse_mermaid(page)
    assert done.returncode == 1
    assert json.loads(done.stdout)["ok"] is False


def test_index_flags_overdue_and_never_assessed(tmp_path):
    from tests.specs import spec_data

    data = spec_data(**{"integrations.0.review": {"last_assessed": "2025-01-01", "interval_days": 30}})
    spec = validate(data, today=date(2026, 11, 29))
    register = build_register(spec, today=date(2026, 11, 29), record_date=True)
    out = tmp_path / "register"
    write_register(register, out)
    index = (out / "index.md").read_text()
    assert "reviews judged on 2026-11-29: **2 overdue or never assessed**" in index
    assert "**OVERDUE**" in index and "**NOT ASSESSED**" in index
    assert json.loads((out / "integrations.json").read_text())["as_of"] == "2026-11-29"


def test_date_is_recorded_only_when_given(records, example_register):
    assert json.loads((example_register / "integrations.json").read_text())["as_of"] == "2026-11-29"
    spec = validate(yaml.safe_load(EXAMPLE_SPEC.read_text()), today=date(2026, 11, 29))
    assert build_register(spec, today=date(2026, 11, 29)).as_of is None


def test_failed_write_leaves_the_previous_register_untouched(example_register, tmp_path, monkeypatch):
    out = tmp_path / "register"
    shutil.copytree(example_register, out)
    before = files_of(out)
    from airlock.register import writer

    def explode(record):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "integration_page", explode)
    spec = validate(yaml.safe_load(EXAMPLE_SPEC.read_text()), today=date(2026, 11, 29))
    with pytest.raises(RuntimeError, match="disk full"):
        write_register(build_register(spec, today=date(2026, 11, 29)), out)
    assert files_of(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["register"]


@pytest.mark.parametrize(
    ("setup", "extra", "message"),
    [
        ("file", [], "is a file, not a folder; pass a folder"),
        ("foreign-folder", [], "is a folder with other content (no integrations.json)"),
        ("none", ["--assembly", "{tmp}/nowhere"], "is not a cloud assembly (no manifest.json)"),
    ],
)
def test_bad_output_or_assembly_exits_2_and_touches_nothing(tmp_path, capsys, setup, extra, message):
    out = tmp_path / "out"
    if setup == "file":
        out.write_text("mine")
    elif setup == "foreign-folder":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    before = files_of(tmp_path)
    argv = ["register", str(EXAMPLE_SPEC), "--out", str(out), *[e.format(tmp=tmp_path) for e in extra]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert files_of(tmp_path) == before


def test_register_shows_its_progress(example_assembly, tmp_path, capsys):
    assert run_register(EXAMPLE_SPEC, tmp_path / "out", example_assembly.outdir) == 0
    err = capsys.readouterr().err
    phases = ("[1/3] loading the spec", "[2/3] proving each vendor's effective access", "[3/3] writing the register")
    for phase in phases:
        assert f"airlock register: {phase}" in err
    assert "done (" in err


def test_assembly_of_another_spec_exits_2(example_assembly, tmp_path, capsys):
    from tests.specs import spec_data

    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data()))
    assert run_register(spec, tmp_path / "out", example_assembly.outdir) == 2
    err = capsys.readouterr().err
    assert "does not match the spec" in err and "not in the spec ['events']" in err
    assert not (tmp_path / "out").exists()


def test_bad_today_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["register", str(EXAMPLE_SPEC), "--out", "x", "--today", "29.11.2026"])
    assert caught.value.code == 2
    assert "'29.11.2026' is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err


def test_consumers_whose_names_differ_in_punctuation_get_their_own_nodes():
    from airlock.register.mermaid import flowchart
    from tests.specs import spec_data

    spec = validate(spec_data(**AWKWARD), today=date(2026, 11, 29))
    chart = flowchart(build_register(spec, today=date(2026, 11, 29)).integrations[0])
    definitions = re.findall(r"^    (core_\w+)\[", chart, flags=re.MULTILINE)
    assert len(definitions) == len(set(definitions)) == 5  # four named consumers and the generic one


@pytest.mark.parametrize("index", [0, 1])
def test_registration_doc_examples_run(index, monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"^```python\n(.*?)^```", (ROOT / "docs" / "registration.md").read_text(), re.S | re.M)
    assert len(blocks) == 2
    exec(compile(blocks[index], f"docs/registration.md:example{index}", "exec"), {"__name__": "example"})  # noqa: S102


def test_each_vendors_effective_access_is_in_the_record_and_on_the_page(records, example_register):
    (payroll,) = records["payroll"]["effective_access"]
    assert payroll["principal"] == "arn:aws:iam::900000000022:role/ledgerly-file-transfer"
    assert payroll["equal_to_grants"] is True
    allowed = {(a["action"], a["resource"], a["via"]) for a in payroll["allowed"]}
    assert (
        "s3:PutObject",
        "arn:aws:s3:::airlock-payroll-220000000002-eu-central-1/drop/ledgerly/*",
        "direct",
    ) in allowed
    assert (
        "sqs:SendMessage",
        "arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files",
        "direct",
    ) in allowed
    assert not [a for a in allowed if a[0].startswith(("iam:", "sqs:ReceiveMessage", "s3:GetObject"))]
    page = (example_register / "integrations" / "payroll.md").read_text()
    assert "What `arn:aws:iam::900000000022:role/ledgerly-file-transfer` can do" in page
    assert "| s3:PutObject | arn:aws:s3:::airlock-payroll-220000000002-eu-central-1/drop/ledgerly/* | direct |" in page


def test_without_an_assembly_effective_access_is_not_invented():
    from datetime import date

    from airlock.register.build import build_register
    from airlock.spec import load

    built = build_register(load(EXAMPLE_SPEC), today=date(2026, 12, 1))
    assert all(record.effective_access is None for record in built.integrations)


def section(page: str, title: str) -> str:
    """The text of the Markdown section ``## title`` up to the next section."""
    return page.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def crm_page(example_register):
    return (example_register / "integrations" / "crm.md").read_text()


def test_crm_page_lists_only_the_scps_of_its_own_account_and_its_ou(crm_page, records):
    guardrails = section(crm_page, "Guardrails")
    assert "| airlock-integration-crm-1 | account 210000000001 |" in guardrails
    assert "| airlock-ou-saas-integrations-1 | OU saas-integrations |" in guardrails
    for other in ("payroll", "events"):
        assert f"airlock-integration-{other}" not in crm_page
        assert not [g for g in records["crm"]["guardrails"] if other in g["name"]]
    # payroll's account is created: its SCP targets the account resource, resolved to its id
    payroll = {g["name"]: g["attached_to"] for g in records["payroll"]["guardrails"]}
    assert payroll["airlock-integration-payroll-1"] == "account 220000000002"
    assert "airlock-integration-crm-1" not in payroll


def test_crm_access_section_lists_its_vendors_exact_actions(crm_page):
    access = section(crm_page, "Access")
    for action in ("sqs:SendMessage", "kms:GenerateDataKey", "sts:AssumeRole", "sts:TagSession"):
        assert f"| {action} |" in access
    assert "| sqs:ReceiveMessage |" not in access  # the vendor sends; consuming is the core's
    assert "nimbus-7c1f0e92-4b7d-4e55-9a1e-0f3d2c8b6a41" not in crm_page  # the external ID is never written


def test_filtering_shows_domains_ports_and_ranges_not_type_names(crm_page, records, example_register):
    filtering = section(crm_page, "Filtering")
    assert "AWS::" not in filtering
    rule = "| PrivateLink endpoint to the vendor's nimbus-api: security group | ingress | tcp | 443 | 10.20.0.0/22 |"
    assert rule in filtering
    assert "| egress | tcp | 443 | 10.20.0.10/32, 10.20.1.10/32 |" in filtering  # order-status targets
    dns, trusted = records["crm"]["allowed_domains"]
    assert dns["kind"] == "dns" and "*.nimbus-crm.example" in dns["domains"] and "*" not in dns["domains"]
    assert dns["cname_targets"] == "inspected" and trusted["cname_targets"] == "trusted"
    assert "*.eu-central-1.compute.internal" in trusted["domains"] and "*" not in trusted["domains"]
    events = {d["kind"]: d["domains"] for d in records["events"]["allowed_domains"]}
    assert events["egress"] == ["ingest.pulsewire.example", ".updates.pulsewire.example"]
    assert (
        "| filtered egress: domain allow list | egress |" in (example_register / "integrations/events.md").read_text()
    )


def test_resources_are_named_by_purpose_with_the_logical_id_second(crm_page, records):
    resilience = section(crm_page, "Resilience")
    assert re.search(
        r"^\| buffer crm-events: queue \| BufferscrmeventsQueue[0-9A-F]{8} \| AWS::SQS::Queue \|", resilience, re.M
    )
    roles = {r["purpose"]: r["name"] for r in records["crm"]["roles"]}
    assert roles["vendor role"] == "airlock-crm-vendor"
    assert "isolated network: flow log role" in roles
