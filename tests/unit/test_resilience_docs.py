"""The construct examples of docs/constructs-resilience.md run as they stand."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "constructs-resilience.md"
EXAMPLES = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE).findall(DOC.read_text())


def test_both_constructs_have_an_example():
    assert len(EXAMPLES) == 2
    for name in ("DropZone", "IntegrationMonitoring"):
        assert f"## {name}" in DOC.read_text()


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index):
    exec(compile(EXAMPLES[index], f"{DOC}:example{index}", "exec"), {"__name__": "example"})  # noqa: S102
