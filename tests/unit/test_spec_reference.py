"""docs/spec-reference.md is generated from the models; it and the schema cannot drift apart."""

from __future__ import annotations

import copy

from airlock.cli import main
from airlock.spec import json_schema
from airlock.spec.reference import render_reference, undocumented
from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "spec-reference.md"


def test_the_published_reference_is_current():
    assert REFERENCE.read_text() == render_reference(), "run `make schema` and commit docs/spec-reference.md"


def test_every_field_of_the_schema_has_a_description_and_a_row():
    assert undocumented() == []
    schema = json_schema()
    text = REFERENCE.read_text()
    for model, node in {"Spec": schema, **schema["$defs"]}.items():
        section = text.split(f"\n## {model}\n", 1)[1].split("\n## ", 1)[0]
        for name in node.get("properties", {}):
            assert f"| `{name}` |" in section, f"{model}.{name} is not in docs/spec-reference.md"


def test_a_field_without_a_description_is_caught():
    schema = copy.deepcopy(json_schema())
    del schema["$defs"]["Buffer"]["properties"]["max_receive_count"]["description"]
    assert undocumented(schema) == ["Buffer.max_receive_count"]
    schema["$defs"]["Buffer"]["properties"]["new_field"] = {"type": "integer"}
    assert "| `new_field` | integer | optional |" in render_reference(schema)


def test_airlock_schema_writes_the_reference(tmp_path, capsys):
    out = tmp_path / "reference.md"
    assert main(["schema", "--reference", "--out", str(out)]) == 0
    assert out.read_text() == render_reference()
    assert main(["schema", "--reference", "--register"]) == 2
    assert "pass one of them" in capsys.readouterr().err
