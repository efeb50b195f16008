"""The proof unit by unit: cached verdicts are reused exactly while nothing that shapes them changes."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from airlock.access.assembly import read_stacks
from airlock.access.incremental import ADMISSIONS, CHECK, UnitKey, admitted_accounts, ordered, prove_units
from airlock.access.proof import prove
from airlock.spec import load_account_lock
from tests.conftest import EXAMPLE_SPEC


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], list] = {}
        self.writes: list[tuple[str, str]] = []

    def check(self, check, key):
        return copy.deepcopy(self.entries.get((check, key)))

    def put_check(self, check, key, results):
        self.entries[(check, key)] = copy.deepcopy(results)
        self.writes.append((check, key))


def keys(**changed: str) -> list[UnitKey]:
    base = {None: "org", "crm": "crm-1", "payroll": "payroll-1", "events": "events-1"}
    base.update(changed)
    return [UnitKey(name, key) for name, key in base.items()]


@pytest.fixture(scope="module")
def artifacts(example_assembly):
    return read_stacks(example_assembly.outdir)


def test_units_give_the_full_proofs_failures_and_reuse_them(artifacts, example_spec, example_assembly):
    lock = load_account_lock(EXAMPLE_SPEC)
    cache = MemoryCache()
    first = prove_units(artifacts, example_spec, lock, keys(), cache)
    assert first == ordered(prove(example_assembly.outdir, example_spec, lock).failures())
    assert len([w for w in cache.writes if w[0] == CHECK]) == 3
    cache.writes.clear()
    assert prove_units(artifacts, example_spec, lock, keys(), cache) == first
    assert [w for w in cache.writes if w[0] == CHECK] == []  # nothing re-proven
    prove_units(artifacts, example_spec, lock, keys(payroll="payroll-2"), cache)
    # payroll, and the integrations whose probes sample it (in a spec of three: both others).
    assert len([w for w in cache.writes if w[0] == CHECK]) == 3
    assert [w for w in cache.writes if w[0] == ADMISSIONS] == [(ADMISSIONS, "payroll-2")]


def test_a_resource_policy_naming_another_account_makes_that_integration_depend_on_it(artifacts):
    (payroll,) = [a for a in artifacts if a.integration == "payroll"]
    assert "210000000001" not in admitted_accounts([payroll])
    template = copy.deepcopy(payroll.template)
    (policy,) = [r for k, r in template["Resources"].items() if k.startswith("BufferspayrollfilesQueuePolicy")]
    policy["Properties"]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210000000001:root"}, "Action": "sqs:*", "Resource": "*"}
    )
    assert "210000000001" in admitted_accounts([dataclasses.replace(payroll, template=template)])
    template["Resources"]["Open"] = {
        "Type": "AWS::SQS::QueuePolicy",
        "Properties": {"PolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}]}},
    }
    assert "*" in admitted_accounts([dataclasses.replace(payroll, template=template)])


def test_a_policy_of_any_resource_type_counts_as_an_admission(artifacts):
    # The walk reads every nested policy document, not a list of known policy types: a type
    # the proof learns to read later must not be missed by the cache's dependency analysis.
    (payroll,) = [a for a in artifacts if a.integration == "payroll"]
    template = copy.deepcopy(payroll.template)
    template["Resources"]["SecretPolicy"] = {
        "Type": "AWS::SecretsManager::ResourcePolicy",
        "Properties": {
            "ResourcePolicy": {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["arn:aws:iam::210000000002:role/reader"]},
                    "Action": "secretsmanager:GetSecretValue",
                },
            }
        },
    }
    assert "210000000002" in admitted_accounts([dataclasses.replace(payroll, template=template)])
    template["Resources"]["SecretPolicy"]["Properties"]["ResourcePolicy"]["Statement"]["Effect"] = "Deny"
    assert "210000000002" not in admitted_accounts([dataclasses.replace(payroll, template=template)])
