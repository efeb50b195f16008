"""Live audit of deployed accounts against the spec (``airlock verify``).

Checks are small functions registered with a stable id (:mod:`airlock.verify.registry`);
each reads the live state through boto3 (:mod:`airlock.verify.aws`) and returns
:class:`Finding` rows: ``ok``, ``drift``, ``missing`` or ``error``. :func:`verify` runs them
and :mod:`airlock.verify.output` renders the report as a table, JSON or SARIF.
"""

from airlock.verify.aws import DEFAULT_ROLE_NAME, ApiError, Sessions, SetupError
from airlock.verify.context import Context
from airlock.verify.expected import (
    DEDICATED_OU,
    ExpectationProvider,
    Expectations,
    ExpectedEndpoint,
    ExpectedPolicy,
    ExpectedVendorRole,
    expectations_for,
    sub_ou_key,
)
from airlock.verify.findings import Finding, Status
from airlock.verify.registry import REGISTRY, Check, Scope, all_checks, check
from airlock.verify.runner import Report, UnknownIntegration, select_integrations, verify

__all__ = [
    "DEDICATED_OU",
    "DEFAULT_ROLE_NAME",
    "REGISTRY",
    "ApiError",
    "Check",
    "Context",
    "ExpectationProvider",
    "Expectations",
    "ExpectedEndpoint",
    "ExpectedPolicy",
    "ExpectedVendorRole",
    "Finding",
    "Report",
    "Scope",
    "Sessions",
    "SetupError",
    "Status",
    "UnknownIntegration",
    "all_checks",
    "check",
    "expectations_for",
    "select_integrations",
    "sub_ou_key",
    "verify",
]
