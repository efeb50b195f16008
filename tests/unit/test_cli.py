"""The airlock command: exit codes, messages without tracebacks, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from airlock.cli import main
from tests.conftest import EXAMPLE_SPEC, ROOT
from tests.specs import DELETE, dump, spec_data

BAD_SPECS = {
    "misspelled-key": ({"integrations.0.ownerr": "x"}, "integrations[0].ownerr", "did you mean 'owner'"),
    "missing-field": ({"integrations.0.contact": DELETE}, "integrations[0].contact", "is missing"),
    "account-11-digits": (
        {"organization.management_account_id": "10000000001"},
        "organization.management_account_id",
        "'10000000001'",
    ),
    "unknown-region": ({"organization.home_region": "mars-1"}, "organization.home_region", "'mars-1'"),
    "duplicate-names": ({"integrations.1.name": "crm"}, "integrations[1].name", "'crm' is already"),
    "az-of-other-region": (
        {"integrations.0.network.az_ids": ["euc1-az1", "use1-az1"]},
        "integrations[0].network.az_ids[1]",
        "'use1-az1' is an AZ ID of us-east-1",
    ),
    "invalid-cidr": ({"integrations.0.network.cidr": "10.20.0/22"}, "integrations[0].network.cidr", "'10.20.0/22'"),
    "overlapping-cidrs": (
        {"integrations.1.network.cidr": "10.20.0.0/23"},
        "integrations[1].network.cidr",
        "overlaps '10.20.0.0/22'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_exits_2_names_field_value_and_writes_nothing(tmp_path, capsys, case):
    changes, path, value = BAD_SPECS[case]
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**changes)))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:" in err and f": {path}: " in err and value in err
    assert "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_malformed_yaml_exits_2_with_its_line(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("organization:\n  parent_id: [r-a1b2\nintegrations: []\n")
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}:3: (spec): malformed YAML" in err


def test_missing_spec_file_exits_2(tmp_path, capsys):
    assert main(["synth", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bad_spec_leaves_an_existing_output_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous run")
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**{"integrations.0.name": "Bad"})))
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["synth"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])
    assert caught.value.code == 2


def test_validate_example(capsys):
    assert main(["validate", str(EXAMPLE_SPEC)]) == 0
    assert "valid; 3 integrations, 7 stacks" in capsys.readouterr().out


def test_schema_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "saas-airlock spec"
    assert schema["additionalProperties"] is False


def test_synth_writes_assembly_and_summary(tmp_path, capsys):
    out = tmp_path / "assembly"
    assert main(["synth", str(EXAMPLE_SPEC), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "7 stacks synthesized" in text and "compliance: passed" in text
    assert "airlock synth: [2/2] synthesizing and running the compliance packs done (" in captured.err
    assert (out / "validation-report.json").exists()
    assert len(list(out.glob("*.template.json"))) == 7
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging folder left behind"


def test_synth_with_findings_exits_1(tmp_path, capsys, monkeypatch):
    from aws_cdk import aws_sqs as sqs

    from airlock.stacks import landing_zone

    original = landing_zone.OrganizationStack.__init__

    def with_plain_queue(self, *args, **kwargs):
        original(self, *args, **kwargs)
        sqs.Queue(self, "Plain")

    monkeypatch.setattr(landing_zone.OrganizationStack, "__init__", with_plain_queue)
    out = tmp_path / "assembly"
    assert main(["synth", str(EXAMPLE_SPEC), "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "compliance: FAILED" in text and "AwsSolutions-SQS3" in text
    assert (out / "validation-report.json").exists()


def test_console_script_prints_no_traceback(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data(**{"organization.allowed_regions": ["eu-central-1", "narnia-1"]})))
    done = subprocess.run(
        [sys.executable, "-m", "airlock.cli", "validate", str(spec)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 2
    assert "organization.allowed_regions[1]: 'narnia-1' is not a known AWS region" in done.stderr
    assert "Traceback" not in done.stderr
