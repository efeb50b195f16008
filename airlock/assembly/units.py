"""The units a landing zone is synthesized in, and the content key of each.

A unit is what can be synthesized on its own and reused from the cache while its inputs
stay the same: the organization stack, one account stack, or the stacks of one
integration (one per region). Its key is a digest of everything that shapes its output:

* the format of a cache entry (:data:`UNIT_FORMAT`) and the environment: the digest of the
  airlock package's own files, the versions of the libraries that synthesize and check
  (aws-cdk-lib, constructs, jsii, cdk-nag, the cfn-guard validator, cfn-lint, pydantic),
  the Python version and the compliance packs;
* the ``organization`` block of the spec, whole (a change there invalidates every unit);
* what the unit reads of the integrations: an integration unit its integration, whole, and
  its account id; an organization unit the fields of its integrations that the
  organization layer reads (:func:`organization_view`), and for the organization stack the
  accounts of suspended integrations and the bootstrap template of the pinned CDK CLI.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from airlock.layout import (
    ORGANIZATION_STACK,
    integration_stack_name,
    integration_unit,
    plan_layout,
    skipped_integrations,
)
from airlock.spec import AccountLock, Integration, Spec

#: Version of the cache entry format; bump it when what a unit stores changes.
UNIT_FORMAT = 1
#: Distributions whose version shapes a synthesized or checked template.
LIBRARIES = (
    "aws-cdk-lib",
    "constructs",
    "jsii",
    "cdk-nag",
    "cdklabs.cdk-validator-cfnguard",
    "cfn-lint",
    "pydantic",
)
PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Unit:
    """One independently synthesized part of the landing zone."""

    name: str
    stacks: tuple[str, ...]
    key: str
    #: For an integration unit, the integration's name.
    integration: str | None = None

    @property
    def organization(self) -> bool:
        return self.integration is None


@dataclass(frozen=True)
class UnitPlan:
    """Every unit of a spec in assembly order, and each stack's dependencies."""

    units: tuple[Unit, ...]
    dependencies: dict[str, list[str]] = field(default_factory=dict)
    skipped: tuple[tuple[str, str], ...] = ()

    def organization_keys(self) -> list[str]:
        return [unit.key for unit in self.units if unit.organization]


def library_versions() -> dict[str, str]:
    """Installed versions of :data:`LIBRARIES` (``absent`` for one not installed)."""
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


@lru_cache(maxsize=1)
def package_digest() -> str:
    """Digest of every file of the airlock package (code and data), so that a change to
    airlock itself invalidates the cache even when its version number stays the same."""
    digest = hashlib.sha256()
    for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def bootstrap_digest(spec: Spec) -> str:
    """Digest of the CDK bootstrap template the organization stack rolls out (or why there is none)."""
    if not spec.organization.bootstrap.enabled:
        return "disabled"
    from airlock.stacks.bootstrap_template import BootstrapTemplateNotFound, cdk_bootstrap_template

    try:
        return hashlib.sha256(cdk_bootstrap_template().body.encode()).hexdigest()
    except BootstrapTemplateNotFound:
        return "not found"


def environment(packs: Sequence[str]) -> dict[str, Any]:
    """What shapes every unit besides the spec: airlock's files, the libraries, Python, the packs."""
    return {
        "format": UNIT_FORMAT,
        "airlock": package_digest(),
        "libraries": library_versions(),
        "python": platform.python_version(),
        "packs": list(packs),
    }


def organization_view(integration: Integration) -> dict[str, Any]:
    """The fields of an integration that the organization layer reads: the account and its
    OU, the account guardrails, the state (quarantine) and the values of the account's tags."""
    return {
        "name": integration.name,
        "account": integration.account.model_dump(mode="json"),
        "ou": integration.ou,
        "guardrails": integration.guardrails.model_dump(mode="json"),
        "state": integration.state,
        "owner": integration.owner,
        "vendor": integration.vendor.name,
        "data_classification": integration.data_classification,
        "cost_centre": integration.cost_centre,
    }


def _key(base: dict[str, Any], unit: str, content: Any) -> str:
    text = json.dumps({**base, "unit": unit, "content": content}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def plan_units(spec: Spec, lock: AccountLock, packs: Sequence[str], *, env: dict[str, Any] | None = None) -> UnitPlan:
    """The units of ``spec`` with their keys; ``env`` defaults to :func:`environment` of ``packs``."""
    org = spec.organization
    layout = plan_layout(org, spec.integrations)
    base = {"environment": env if env is not None else environment(packs), "organization": org.model_dump(mode="json")}
    main_content = {
        "kept": [organization_view(i) for i in layout.kept],
        "suspended": [[i.name, lock.account_id(i)] for i in spec.integrations if i.state == "suspended"],
        "bootstrap": bootstrap_digest(spec),
    }
    units = [Unit(ORGANIZATION_STACK, (ORGANIZATION_STACK,), _key(base, ORGANIZATION_STACK, main_content))]
    dependencies: dict[str, list[str]] = {ORGANIZATION_STACK: []}
    for name, members in layout.account_stacks.items():
        units.append(Unit(name, (name,), _key(base, name, [organization_view(i) for i in members])))
        dependencies[name] = layout.account_stack_dependencies(name)
    skipped = skipped_integrations(spec, lock)
    left_out = {name for name, _ in skipped}
    for integration in spec.integrations:
        if integration.name in left_out:
            continue
        stacks = tuple(integration_stack_name(integration, region) for region in integration.regions)
        content = {"integration": integration.model_dump(mode="json"), "account_id": lock.account_id(integration)}
        unit = integration_unit(integration.name)
        units.append(Unit(unit, stacks, _key(base, unit, content), integration=integration.name))
        for stack in stacks:
            dependencies[stack] = layout.integration_dependencies(integration)
    return UnitPlan(tuple(units), dependencies, tuple(skipped))
