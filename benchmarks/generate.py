"""Generate valid specs of any size, for the synth benchmark and the scale tests.

Every generated integration has its own adopted account, its own vendor account and its
own CIDR (no two overlap), so the result passes ``airlock.spec.validate`` unchanged and
needs no account lock file. The shapes vary deterministically (buffers, FIFO queues, drop
zones, a second region), so a large spec exercises what a real landing zone has.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from airlock.spec.regions import AZ_ID_PREFIX

#: Regions the generated organization allows; the first is its home region.
DEFAULT_REGIONS: tuple[str, ...] = ("eu-central-1", "eu-west-1")

#: The core account whose roles consume the generated buffers.
CORE_ACCOUNT = "600000000999"
#: The generated organization's id (VPC endpoint policies and core consumers need one).
ORGANIZATION_ID = "o-generated01"

#: Block that integration CIDRs are carved from: 10.64.0.0/10 holds 4,096 /22s.
CIDR_POOL = ipaddress.IPv4Network("10.64.0.0/10")
CIDR_PREFIX = 22
MAX_INTEGRATIONS = 2 ** (CIDR_PREFIX - CIDR_POOL.prefixlen)


def _cidr(index: int) -> str:
    """The ``index``-th /22 of the pool; distinct indexes never overlap."""
    size = 2 ** (32 - CIDR_PREFIX)
    return str(ipaddress.IPv4Network((int(CIDR_POOL.network_address) + index * size, CIDR_PREFIX)))


def az_ids(region: str, count: int = 2) -> list[str]:
    """The first ``count`` AZ IDs of ``region`` (``euc1-az1``, ``euc1-az2``, ...)."""
    return [f"{AZ_ID_PREFIX[region]}-az{number}" for number in range(1, count + 1)]


def created_account_id(index: int) -> str:
    """The id the account lock gives the created account of integration ``index``."""
    return f"4{index:011d}"


def integration_data(
    index: int,
    *,
    regions: Sequence[str] = DEFAULT_REGIONS[:1],
    buffers: int = 1,
    drop_zone: bool = False,
    access: bool = True,
    created: bool = False,
    network: bool = True,
) -> dict[str, Any]:
    """One valid integration numbered ``index`` (0-based), unique in every spec that numbers it so.

    With ``access`` (and a buffer) the vendor sends to the first buffer (and puts files into the
    drop zone), a core role consumes it, and an inbound data flow says so: the access proof
    then has real flows, probes and effective access to check at every size. Without
    ``network`` the integration has no VPC (a role-only or event-only vendor).
    """
    if not 0 <= index < MAX_INTEGRATIONS:
        raise ValueError(f"index {index} is out of range; generate at most {MAX_INTEGRATIONS} integrations")
    name = f"int{index:04d}"
    data: dict[str, Any] = {
        "name": name,
        "description": f"Generated integration number {index}.",
        "owner": f"team-{index % 7}",
        "contact": f"{name}@example.com",
        "data_classification": ("internal", "confidential", "restricted")[index % 3],
        "cost_centre": f"CC-{1000 + index % 13}",
        "vendor": {"name": f"Vendor {index}", "account_ids": [f"9{index:011d}"]},
        "account": (
            {"create": {"name": f"airlock-{name}", "email": f"aws+{name}@example.com"}}
            if created
            else {"adopt": f"3{index:011d}"}
        ),
        "regions": list(regions),
        "buffers": [
            {"name": f"buffer-{number}", "fifo": number % 2 == 1, "consumer_timeout_seconds": 30 + number}
            for number in range(buffers)
        ],
    }
    if network:
        data["network"] = {"cidr": _cidr(index), "az_ids": [az for region in regions for az in az_ids(region)]}
    if drop_zone:
        data["drop_zone"] = {
            "prefixes": [f"drop/{name}/"],
            "notify_buffer": data["buffers"][0]["name"] if buffers else None,
        }
    if access and buffers:
        first = data["buffers"][0]["name"]
        grants: list[dict[str, str]] = [{"send": first}]
        if drop_zone:
            grants.append({"put_objects": f"drop/{name}/"})
        data["access"] = {
            "external_id": f"generated-{index:06d}-external-id",
            "principals": [f"arn:aws:iam::9{index:011d}:role/{name}-vendor-writer"],
            "grants": grants,
        }
        data["core_consumers"] = [{"role": f"arn:aws:iam::{CORE_ACCOUNT}:role/{name}-consumer", "buffers": [first]}]
        data["data_flows"] = [
            {
                "name": f"{name}-events",
                "direction": "inbound",
                "classification": data["data_classification"],
                "description": "Events the vendor sends, consumed by the core.",
                "via": "role",
                "buffer": first,
                "consumers": ["core"],
            }
        ]
    return data


def generate_spec(
    count: int,
    *,
    regions: Sequence[str] = DEFAULT_REGIONS,
    multi_region_every: int = 5,
    buffers: int | None = None,
    drop_zone_every: int = 4,
    created_every: int = 0,
    without_network_every: int = 0,
) -> dict[str, Any]:
    """A valid spec (plain data) with ``count`` integrations.

    :param regions: regions the organization allows; integrations use the first, and every
        ``multi_region_every``-th integration (0 = none) also the second.
    :param buffers: buffers per integration. Default: 1, 2 or 3 in turn.
    :param drop_zone_every: every n-th integration gets a drop zone (0 = none).
    :param created_every: every n-th integration's account is created by the organization
        layer instead of adopted (0 = none); :func:`write_spec` records their ids in the lock file.
    :param without_network_every: every n-th integration has no network (0 = none).
    """
    if count > MAX_INTEGRATIONS:
        raise ValueError(f"count {count} is above {MAX_INTEGRATIONS}; the CIDR pool holds no more integrations")
    integrations = []
    for index in range(count):
        every = multi_region_every
        two_regions = len(regions) > 1 and every > 0 and index % every == every - 1
        integrations.append(
            integration_data(
                index,
                regions=list(regions[:2]) if two_regions else [regions[0]],
                buffers=(index % 3) + 1 if buffers is None else buffers,
                drop_zone=drop_zone_every > 0 and index % drop_zone_every == 0,
                created=created_every > 0 and index % created_every == 0,
                network=not (without_network_every > 0 and index % without_network_every == 0),
            )
        )
    return {
        "version": 1,
        "organization": {
            "management_account_id": "100000000001",
            "home_region": regions[0],
            "allowed_regions": list(regions),
            "organization_id": ORGANIZATION_ID,
            "parent_id": "r-a1b2",
            "tags": {"managed-by": "saas-airlock", "generated": "true"},
            "access": {"core_account_ids": [CORE_ACCOUNT]},
            "observability": {"default_subscribers": ["platform-oncall@example.com"]},
        },
        "integrations": integrations,
    }


def write_spec(data: dict[str, Any], path: str | Path) -> Path:
    """Write ``data`` as a YAML spec file and return its path; with created accounts, also
    the account lock beside it, as after their deployment and ``airlock accounts sync``."""
    path = Path(path)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    ids = {
        integration["name"]: created_account_id(int(integration["name"].removeprefix("int")))
        for integration in data["integrations"]
        if "create" in integration["account"]
    }
    if ids:
        from airlock.spec.accounts import save_account_lock

        save_account_lock(path, ids)
    return path
