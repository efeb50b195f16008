"""The construct docs cannot rot: every example runs, and the API reference builds cleanly."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

DOC = ROOT / "docs" / "constructs.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
EXAMPLES = _BLOCK.findall(DOC.read_text())


def test_every_construct_has_an_example():
    from constructs import Construct

    import airlock.constructs

    documented = DOC.read_text()
    for name in airlock.constructs.__all__:
        exported = getattr(airlock.constructs, name)
        if isinstance(exported, type) and issubclass(exported, Construct):
            assert f"## {name}" in documented, f"docs/constructs.md has no section for {name}"


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index):
    exec(compile(EXAMPLES[index], f"{DOC}:example{index}", "exec"), {"__name__": "example"})  # noqa: S102


def test_api_reference_builds_without_warnings(tmp_path):
    env = {**os.environ, "PDOC_ALLOW_EXEC": "1"}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    done = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "pdoc",
            "airlock.constructs",
            "--docformat",
            "restructuredtext",
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "airlock" / "constructs.html").exists()


def test_every_promise_under_faults_names_a_test_that_holds_it():
    """docs/resilience.md "Under faults": each promise ends with the tests that hold it, and they exist."""
    text = (ROOT / "docs" / "resilience.md").read_text()
    section = text.split("## Under faults: what a run promises", 1)[1].split("\n## ", 1)[0]
    promises = re.findall(r"^- (.*?)(?=^- |^\*\*|^The fault tests|\Z)", section, re.DOTALL | re.MULTILINE)
    assert len(promises) >= 12, promises
    for promise in promises:
        references = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", promise)
        assert references, f"no test holds: {promise.strip()[:80]}"
        for path, name in references:
            source = (ROOT / path).read_text()
            assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name} does not exist"
