"""SCP guardrails: the catalogue, quota budgeting and the policy constructs."""

from airlock.constructs.guardrails.budget import PackedPolicy, ScpBudgetError, ScpQuota, pack
from airlock.constructs.guardrails.catalogue import (
    CONTROL_TOWER_EXECUTION_ROLE,
    DEFAULT_ACCOUNT_GUARDRAILS,
    DEFAULT_OU_GUARDRAILS,
    EXEMPT_ROLE_PROTECTION,
    GLOBAL_SERVICE_ACTIONS,
    GUARDRAILS,
    QUARANTINE,
    STACKSET_EXECUTION_ROLE,
    Guardrail,
    GuardrailContext,
    guardrail_statements,
    statement_owners,
)
from airlock.constructs.guardrails.policies import (
    QUARANTINE_POLICY_NAME,
    GuardrailPolicies,
    QuarantinePolicy,
    guardrail_policy_name,
    quarantine_document,
)

__all__ = [
    "CONTROL_TOWER_EXECUTION_ROLE",
    "DEFAULT_ACCOUNT_GUARDRAILS",
    "DEFAULT_OU_GUARDRAILS",
    "EXEMPT_ROLE_PROTECTION",
    "GLOBAL_SERVICE_ACTIONS",
    "GUARDRAILS",
    "QUARANTINE",
    "QUARANTINE_POLICY_NAME",
    "STACKSET_EXECUTION_ROLE",
    "Guardrail",
    "GuardrailContext",
    "GuardrailPolicies",
    "PackedPolicy",
    "QuarantinePolicy",
    "ScpBudgetError",
    "ScpQuota",
    "guardrail_policy_name",
    "guardrail_statements",
    "pack",
    "quarantine_document",
    "statement_owners",
]
