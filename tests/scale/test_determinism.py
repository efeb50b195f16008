"""Two syntheses of the same generated spec write byte-identical files.

The suite uses a 6-integration spec (multi-region, drop zones, FIFO buffers) to stay fast;
`make bench` checks the same on the 100-integration spec (see benchmarks/synth_scale.py).
"""

from __future__ import annotations

import filecmp

import pytest

from airlock.spec import validate
from airlock.synth import synth_app
from benchmarks.generate import generate_spec


@pytest.fixture(scope="module")
def two_assemblies(tmp_path_factory):
    spec = validate(generate_spec(6))
    base = tmp_path_factory.mktemp("determinism")
    for name in ("first", "second"):
        _, passed = synth_app(spec, base / name)
        assert passed
    return base / "first", base / "second"


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_two_synths_write_the_same_files_byte_for_byte(two_assemblies):
    first, second = two_assemblies
    names = files(first)
    assert names == files(second)
    # organization stack, 5 account stacks, 7 integration stacks
    assert sum(name.endswith(".template.json") for name in names) == 13
    _, mismatch, errors = filecmp.cmpfiles(first, second, names, shallow=False)
    assert not mismatch and not errors


def test_the_access_proof_holds_on_the_generated_spec(two_assemblies):
    """Every generated integration's flows, probes and effective access (make bench does 100)."""
    from airlock.access.proof import prove

    proof = prove(two_assemblies[0], validate(generate_spec(6)))
    assert proof.failures() == []
    assert {f.integration for f in proof.flows if f.name.startswith("data flow")} == {f"int{i:04d}" for i in range(6)}
    assert len(proof.access) == 6 and all(result.equal and result.allowed for result in proof.access)
    assert proof.probes and proof.deploy is not None and proof.deploy.stacks >= 8
