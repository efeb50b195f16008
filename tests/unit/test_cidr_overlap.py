"""The CIDR overlap check finds exactly the pairs a comparison of every pair finds (it sweeps instead)."""

from __future__ import annotations

import ipaddress
import random

from airlock.spec import validate
from airlock.spec.checks import _cidrs_disjoint
from benchmarks.generate import generate_spec


def pairwise(networks):
    return sorted(
        (later, earlier)
        for later, a in enumerate(networks)
        for earlier, b in enumerate(networks[:later])
        if ipaddress.IPv4Network(a).overlaps(ipaddress.IPv4Network(b))
    )


def test_the_sweep_finds_every_overlapping_pair_and_only_those():
    rng = random.Random(19)  # noqa: S311 - reproducible test data, not secrets
    spec = validate(generate_spec(40))
    overlapping = 0
    for _ in range(30):
        cidrs = [
            str(
                ipaddress.IPv4Network(
                    (10 << 24 | rng.randrange(4) << 16 | rng.randrange(256) << 8, prefix), strict=False
                )
            )
            for prefix in (rng.choice([16, 20, 22, 24]) for _ in range(40))
        ]
        integrations = [
            (index, integration.model_copy(update={"network": integration.network.model_copy(update={"cidr": cidr})}))
            for index, (integration, cidr) in enumerate(zip(spec.integrations, cidrs, strict=True))
        ]
        issues = _cidrs_disjoint(None, integrations)
        found = [(issue.loc[1], int(issue.message.split("integrations[")[1].split("]")[0])) for issue in issues]
        assert found == pairwise(cidrs)
        overlapping += len(found)
    assert overlapping > 30  # the specs had overlaps to find
