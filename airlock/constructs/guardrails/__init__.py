"""SCP guardrails: the catalogue, quota budgeting and the policy constructs."""

from airlock.constructs.guardrails.budget import PackedPolicy, ScpBudgetError, ScpQuota, pack
from airlock.constructs.guardrails.catalogue import (
    DEFAULT_ACCOUNT_GUARDRAILS,
    DEFAULT_OU_GUARDRAILS,
    GLOBAL_SERVICE_ACTIONS,
    GUARDRAILS,
    QUARANTINE,
    Guardrail,
    GuardrailContext,
    guardrail_statements,
    statement_owners,
)
from airlock.constructs.guardrails.policies import GuardrailPolicies, QuarantinePolicy

__all__ = [
    "DEFAULT_ACCOUNT_GUARDRAILS",
    "DEFAULT_OU_GUARDRAILS",
    "GLOBAL_SERVICE_ACTIONS",
    "GUARDRAILS",
    "QUARANTINE",
    "Guardrail",
    "GuardrailContext",
    "GuardrailPolicies",
    "PackedPolicy",
    "QuarantinePolicy",
    "ScpBudgetError",
    "ScpQuota",
    "guardrail_statements",
    "pack",
    "statement_owners",
]
