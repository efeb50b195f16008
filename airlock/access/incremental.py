"""The proof, unit by unit: reuse each integration's verdicts while nothing that shapes them changed.

``airlock check`` synthesizes in units (:mod:`airlock.assembly`) and keeps each unit's
templates in a cache keyed by everything that shapes them. The proof's verdicts for an
integration depend on:

* its own templates (flows, most probes, its vendor's effective access, the deployability of
  its stacks),
* the organization layer (the SCPs that fence its account, the StackSet instances in it),
* the integrations whose resource policies could admit a principal of its account (a foreign
  resource that names its account, or everyone: the cross-integration probes), and the
  neighbouring integrations the probes sample.

So an integration's failures are cached under the key of its unit, the keys of every
organization unit and the keys of those other units; which other integrations can admit whom
is read from each unit's own templates (the accounts its Allow statements name), cached under
the unit's key too. Integrations whose key has no cached verdict are proven together in one
world holding the organization layer, them and the units they depend on; the organization
layer's own deployability is proven on every run (its stacks deploy into the management
account, where SCPs do not apply, so it is quick). The result equals a full proof: the same
failures, in the same order (:func:`ordered`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from airlock.access.assembly import StackArtifact
from airlock.access.proof import Failure, prove_world
from airlock.access.world import World
from airlock.spec import AccountLock, Spec

CHECK = "access"
ADMISSIONS = "access-admissions"
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")


class ResultCache(Protocol):
    """Where verdicts are kept (:class:`airlock.assembly.UnitCache`)."""

    def check(self, check: str, key: str) -> list[dict[str, Any]] | None: ...

    def put_check(self, check: str, key: str, results: list[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class UnitKey:
    """A synthesized unit: the integration it holds (None for the organization layer) and its key."""

    integration: str | None
    key: str


def admitted_accounts(artifacts: Iterable[StackArtifact]) -> list[str]:
    """Accounts (and ``*``) that the Allow statements of these stacks' policies name as
    principals: who besides the owner could be admitted.

    Every policy document anywhere in a resource's properties counts (any mapping with a
    ``Statement``), whatever the resource type, so a policy type the proof learns to read later
    cannot be missed here.
    """
    found: set[str] = set()
    for artifact in artifacts:
        for resource in (artifact.template.get("Resources") or {}).values():
            for statement in _statements(resource.get("Properties") if isinstance(resource, Mapping) else None):
                if statement.get("Effect") != "Allow":
                    continue
                if "NotPrincipal" in statement:
                    found.add("*")
                principal = statement.get("Principal")
                text = json.dumps(principal)
                if principal == "*" or '"*"' in text:
                    found.add("*")
                found.update(_ACCOUNT.findall(text))
    return sorted(found)


def _statements(value: Any) -> Iterator[Mapping[str, Any]]:
    """Every statement of every policy document nested in ``value``."""
    if isinstance(value, Mapping):
        statements = value.get("Statement")
        if statements is not None:
            for statement in statements if isinstance(statements, list) else [statements]:
                if isinstance(statement, Mapping):
                    yield statement
        for child in value.values():
            yield from _statements(child)
    elif isinstance(value, list):
        for child in value:
            yield from _statements(child)


def _neighbours(names: Sequence[str], name: str) -> set[str]:
    position = names.index(name)
    return {names[(position - 1) % len(names)], names[(position + 1) % len(names)]} - {name}


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def prove_units(
    artifacts: Sequence[StackArtifact],
    spec: Spec,
    lock: AccountLock,
    units: Sequence[UnitKey],
    cache: ResultCache,
) -> list[Failure]:
    """The proof's failures over ``artifacts``, reusing cached verdicts of unchanged integrations."""
    by_integration: dict[str | None, list[StackArtifact]] = {}
    for artifact in artifacts:
        by_integration.setdefault(artifact.integration, []).append(artifact)
    organization_keys = [u.key for u in units if u.integration is None]
    keys = {u.integration: u.key for u in units if u.integration is not None}
    names = [i.name for i in spec.integrations if i.name in keys]
    accounts = {i.name: lock.account_id(i) for i in spec.integrations}
    admissions: dict[str, set[str]] = {}
    for name in names:
        cached = cache.check(ADMISSIONS, keys[name])
        if cached is None:
            cached = [{"accounts": admitted_accounts(by_integration.get(name, []))}]
            cache.put_check(ADMISSIONS, keys[name], cached)
        admissions[name] = set(cached[0]["accounts"])
    depends: dict[str, set[str]] = {}
    for name in names:
        others = {
            other
            for other in names
            if other != name and ("*" in admissions[other] or accounts[name] in admissions[other])
        }
        depends[name] = others | _neighbours(names, name)
    verdict_keys = {
        name: _digest(CHECK, keys[name], *organization_keys, *sorted(keys[o] for o in depends[name])) for name in names
    }
    found: dict[str, list[Failure]] = {}
    missing = []
    for name in names:
        cached = cache.check(CHECK, verdict_keys[name])
        if cached is None:
            missing.append(name)
        else:
            found[name] = [Failure(**entry) for entry in cached]
    loaded = set(missing) | {other for name in missing for other in depends[name]}
    world = World([a for a in artifacts if a.integration is None or a.integration in loaded], spec, lock)
    proof = prove_world(world, missing, organization=True)
    computed: dict[str | None, list[Failure]] = {}
    for failure in proof.failures():
        computed.setdefault(failure.integration if failure.integration in missing else None, []).append(failure)
    for name in missing:
        found[name] = computed.get(name, [])
        cache.put_check(CHECK, verdict_keys[name], [asdict(f) for f in found[name]])
    return ordered([*computed.get(None, []), *(f for name in names for f in found[name])])


def ordered(failures: Iterable[Failure]) -> list[Failure]:
    """Failures in one order whatever produced them (a full proof or units): by rule, integration, message."""
    return sorted(
        failures, key=lambda f: (f.rule, f.integration or "", f.message, f.template or "", f.logical_id or "")
    )
