"""AirlockChecks rules: small pure functions over one CloudFormation resource.

Each rule returns :data:`COMPLIANT`, :data:`NON_COMPLIANT` or :data:`NOT_APPLICABLE` for a
:class:`Resource`; :data:`RULES` lists them by id (the pack reports ``Airlock-<id>``).
"""

from airlock.compliance.rules import access, data, network, tags  # noqa: F401 - registers the rules
from airlock.compliance.rules._model import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    RULES,
    Declarations,
    Outcome,
    Resource,
    Rule,
)

__all__ = [
    "COMPLIANT",
    "NON_COMPLIANT",
    "NOT_APPLICABLE",
    "RULES",
    "Declarations",
    "Outcome",
    "Resource",
    "Rule",
    "evaluate",
]


def evaluate(resource: Resource) -> dict[str, Outcome]:
    """Every rule's outcome for ``resource``, by rule id."""
    return {rule_id: rule(resource) for rule_id, rule in RULES.items()}
