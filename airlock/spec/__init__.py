"""The spec: what a landing zone of SaaS integrations should look like.

``load(path)`` reads a YAML file and returns a frozen :class:`Spec`, or raises one
:class:`SpecError` listing every problem with its field path, file line and fix.
"""

from airlock.spec.accounts import AccountLock, load_account_lock
from airlock.spec.errors import SpecError, SpecIssue
from airlock.spec.loader import load, validate
from airlock.spec.models import (
    Account,
    AccountCreate,
    Buffer,
    DropZone,
    Integration,
    Network,
    Organization,
    Spec,
    Vendor,
)
from airlock.spec.network import Dns, Egress, ExposedApi, VendorEndpoint
from airlock.spec.schema import json_schema

__all__ = [
    "Account",
    "AccountCreate",
    "AccountLock",
    "Buffer",
    "Dns",
    "DropZone",
    "Egress",
    "ExposedApi",
    "Integration",
    "Network",
    "Organization",
    "Spec",
    "SpecError",
    "SpecIssue",
    "Vendor",
    "VendorEndpoint",
    "json_schema",
    "load",
    "load_account_lock",
    "validate",
]
