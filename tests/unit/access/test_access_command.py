"""``airlock access``: the proof step by step, exit 0/1/2 as the README says."""

from __future__ import annotations

import json

from airlock.cli import main
from tests.conftest import EXAMPLE_SPEC


def test_access_prints_every_step_with_its_deciding_statement(example_assembly, capsys):
    code = main(["access", str(EXAMPLE_SPEC), "--assembly", str(example_assembly.outdir), "--integration", "payroll"])
    captured = capsys.readouterr()
    out = captured.out
    assert "airlock access: [2/2] proving access: flows, probes, effective access, deployability done (" in captured.err
    assert "flow data flow payroll-files [allow]" in out
    assert "ok arn:aws:iam::300000000001:role/hr-payroll-processor calls s3:GetObject" in out
    assert "statement CoreReaders" in out
    assert "effective access of arn:aws:iam::900000000022:role/ledgerly-file-transfer" in out
    assert "crm:" not in out  # only the integration asked for
    assert code in (0, 1) and ("access proof: passed" in out) == (code == 0)


def test_access_json_lists_flows_probes_access_and_deployability(example_assembly, capsys):
    main(["access", str(EXAMPLE_SPEC), "--assembly", str(example_assembly.outdir), "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert {"passed", "flows", "probes", "effective_access", "deployability", "failures"} <= set(document)
    step = document["flows"][0]["steps"][0]
    assert step["decision"]["verdict"] in ("allow", "deny", "undecided")
    assert all("template" in source for source in step["decision"]["deciding"])
    assert document["deployability"]["permissions_checked"] > 1000


def test_an_unknown_integration_is_bad_input_naming_the_valid_ones(example_assembly, capsys):
    code = main(["access", str(EXAMPLE_SPEC), "--assembly", str(example_assembly.outdir), "--integration", "nope"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--integration nope: not in the spec; use one of crm, payroll, events" in err


def test_a_folder_that_is_not_an_assembly_is_bad_input(tmp_path, capsys):
    code = main(["access", str(EXAMPLE_SPEC), "--assembly", str(tmp_path)])
    assert code == 2
    assert "is not a cloud assembly (no manifest.json)" in capsys.readouterr().err
