"""Which SCPs govern an integration's account, read from each policy's targets in the organization stack."""

from __future__ import annotations

from typing import Any

from airlock.register.assembly import INTEGRATION_TAG, StackTemplate, resource_tags
from airlock.spec import Integration, Organization
from airlock.spec.organization_checks import walk_ous


def _target(value: Any) -> str | None:
    """A policy target's logical id (Ref or GetAtt), or None for a literal id."""
    if isinstance(value, dict):
        target = value.get("Ref") or value.get("Fn::GetAtt")
        if target:
            return str(target[0] if isinstance(target, list) else target).split(".")[0]
    return None


def ou_chain(organization: Organization, integration: Integration) -> set[str]:
    """Names of the OUs a created account of ``integration`` sits in: the dedicated OU and its sub-OU path."""
    chains = {name: chain for name, chain, _ in walk_ous(organization)}
    return {organization.ou_name, *chains.get(integration.ou or organization.ou_name, ())}


def attachment(
    policy: dict[str, Any], stack: StackTemplate, name: str, account_id: str | None, ous: set[str]
) -> str | None:
    """What the SCP ``policy`` of ``stack`` is attached to, as far as integration ``name`` is
    concerned (its account, or an OU of ``ous``); None when it governs only other accounts or OUs."""
    targets = policy.get("Properties", {}).get("TargetIds") or []
    if not targets:
        return "nothing (attached on demand)"
    resources = stack.resources
    for target in targets:
        logical_id = _target(target)
        if logical_id is None:
            if account_id is not None and str(target) == account_id:
                return f"account {account_id}"
            continue
        resource = resources.get(logical_id, {})
        ou = resource.get("Properties", {}).get("Name", logical_id)
        if resource.get("Type") == "AWS::Organizations::OrganizationalUnit" and ou in ous:
            return f"OU {ou}"
        if (
            resource.get("Type") == "AWS::Organizations::Account"
            and resource_tags(resource).get(INTEGRATION_TAG) == name
        ):
            return f"account {account_id or 'of ' + name}"
    return None
