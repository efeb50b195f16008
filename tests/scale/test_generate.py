"""The spec generator of the benchmark: valid specs, unique accounts, disjoint CIDRs."""

from __future__ import annotations

import ipaddress
import itertools

import pytest

from airlock.spec import validate
from benchmarks.generate import MAX_INTEGRATIONS, generate_spec, integration_data


def test_a_large_generated_spec_is_valid():
    spec = validate(generate_spec(300))
    assert len(spec.integrations) == 300
    accounts = [i.account.adopt for i in spec.integrations]
    vendors = [a for i in spec.integrations for a in i.vendor.account_ids]
    assert len(set(accounts)) == len(accounts) and len(set(vendors)) == len(vendors)
    assert not set(accounts) & set(vendors)
    networks = sorted(ipaddress.IPv4Network(i.network.cidr) for i in spec.integrations)
    assert all(not a.overlaps(b) for a, b in itertools.pairwise(networks))


def test_generated_shapes_vary():
    spec = validate(generate_spec(20))
    assert {len(i.regions) for i in spec.integrations} == {1, 2}
    assert {len(i.buffers) for i in spec.integrations} == {1, 2, 3}
    assert any(i.drop_zone for i in spec.integrations) and not all(i.drop_zone for i in spec.integrations)
    two = next(i for i in spec.integrations if len(i.regions) == 2)
    assert two.network.az_ids == ["euc1-az1", "euc1-az2", "euw1-az1", "euw1-az2"]


def test_generation_is_deterministic():
    assert generate_spec(50) == generate_spec(50)


def test_index_out_of_range_is_refused():
    with pytest.raises(ValueError, match="at most"):
        integration_data(MAX_INTEGRATIONS)


def test_the_core_account_is_no_generated_account_at_any_size():
    """At 1,000 integrations an adopted id once equalled the core account, and the spec was refused."""
    from benchmarks.generate import CORE_ACCOUNT, created_account_id

    for index in range(MAX_INTEGRATIONS):
        data = integration_data(index)
        assert CORE_ACCOUNT not in (data["account"]["adopt"], created_account_id(index), *data["vendor"]["account_ids"])
