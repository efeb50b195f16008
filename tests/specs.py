"""Small valid specs for tests, built as plain data so each test can break one thing."""

from __future__ import annotations

import copy
from typing import Any

import yaml

BASE: dict[str, Any] = {
    "version": 1,
    "organization": {
        "management_account_id": "100000000001",
        "home_region": "eu-central-1",
        "allowed_regions": ["eu-central-1", "eu-west-1"],
        "parent_id": "r-a1b2",
        "organization_id": "o-a1b2c3d4e5",
        # Alarms of integrations without subscribers of their own go here (never to nobody).
        "observability": {"default_subscribers": ["platform-oncall@example.com"]},
    },
    "integrations": [
        {
            "name": "crm",
            "owner": "sales-platform",
            "contact": "sales@example.com",
            "data_classification": "confidential",
            "cost_centre": "CC-1",
            "vendor": {"name": "Nimbus CRM", "account_ids": ["900000000011"]},
            "account": {"adopt": "210000000001"},
            "regions": ["eu-central-1"],
            "network": {"cidr": "10.20.0.0/22", "az_ids": ["euc1-az1", "euc1-az2"]},
            "buffers": [{"name": "inbound"}],
        },
        {
            "name": "payroll",
            "owner": "hr-systems",
            "contact": "hr@example.com",
            "data_classification": "restricted",
            "cost_centre": "CC-2",
            "vendor": {"name": "Ledgerly", "account_ids": ["900000000022"]},
            "account": {"create": {"name": "airlock-payroll", "email": "payroll@example.com"}},
            "regions": ["eu-west-1"],
            "network": {"cidr": "10.20.4.0/23", "az_ids": ["euw1-az1", "euw1-az2"]},
        },
    ],
}


def spec_data(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE with dotted-path changes applied, e.g. ``{"integrations.0.name": "x"}``."""
    data = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        set_path(data, dotted, value)
    return data


def set_path(data: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is DELETE:
        del target[last]
    else:
        target[last] = value


DELETE = object()


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False)
