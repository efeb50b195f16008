"""The dedicated OU and the place of each intermediate account in it."""

from __future__ import annotations

from typing import Any

from airlock.verify.aws import ApiError
from airlock.verify.context import Context
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check


def dedicated_ou(ctx: Context) -> dict[str, Any] | None:
    """The dedicated OU (``organization.ou_name`` under ``organization.parent_id``), or None."""
    org = ctx.spec.organization

    def read() -> dict[str, Any] | None:
        units = ctx.management().items(
            "organizations",
            ctx.home_region,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=org.parent_id,
        )
        return next((unit for unit in units if unit.get("Name") == org.ou_name), None)

    return ctx.memo(("ou", org.parent_id, org.ou_name), read)


def account_parents(ctx: Context, account_id: str) -> list[str]:
    """The ids of ``account_id``'s parents, read once per run (ApiError if it is not in the organization)."""

    def read() -> list[str]:
        parents = ctx.management().items(
            "organizations", ctx.home_region, "list_parents", "Parents", ChildId=account_id
        )
        return [parent["Id"] for parent in parents]

    return ctx.memo(("parents", account_id), read)


@check("AV-OU-1", scope=Scope.ORGANIZATION, title="The dedicated OU exists under the configured parent")
def ou_exists(ctx: Context) -> list[Finding]:
    """An OU named ``organization.ou_name`` is a direct child of ``organization.parent_id``."""
    org = ctx.spec.organization
    unit = dedicated_ou(ctx)
    resource = f"{org.parent_id}/{org.ou_name}"
    if unit is None:
        return [
            ctx.missing(
                "AV-OU-1",
                resource,
                f"no OU named '{org.ou_name}' under {org.parent_id}; deploy the organization stack",
            )
        ]
    return [
        ctx.ok("AV-OU-1", unit.get("Arn") or unit["Id"], f"OU '{org.ou_name}' is {unit['Id']} under {org.parent_id}")
    ]


@check("AV-ACCOUNT-1", scope=Scope.INTEGRATION, title="Each intermediate account is in the dedicated OU")
def account_in_ou(ctx: Context) -> list[Finding]:
    """The integration's account (adopted, or created and recorded in the lock file) has the
    dedicated OU as its direct parent."""
    assert ctx.integration is not None
    account_id = ctx.account_id
    if account_id is None:
        return [
            ctx.missing(
                "AV-ACCOUNT-1",
                ctx.where(),
                f"the account of '{ctx.integration.name}' has no id yet; deploy the organization stack and record "
                "the new account's id in the account lock file beside the spec",
            )
        ]
    unit = dedicated_ou(ctx)
    if unit is None:
        return [ctx.missing("AV-ACCOUNT-1", account_id, "the dedicated OU does not exist (see AV-OU-1)")]
    try:
        parent_ids = account_parents(ctx, account_id)
    except ApiError as exc:
        if exc.code not in ("ChildNotFoundException", "AccountNotFoundException"):
            raise
        return [ctx.missing("AV-ACCOUNT-1", account_id, "the account is not in the organization; invite or create it")]
    if unit["Id"] in parent_ids:
        return [ctx.ok("AV-ACCOUNT-1", account_id, f"account is in the dedicated OU {unit['Id']}")]
    return [
        ctx.drift(
            "AV-ACCOUNT-1",
            account_id,
            f"account is under {', '.join(parent_ids) or 'no parent'}, not the dedicated OU {unit['Id']}; "
            "move it back (organizations:MoveAccount) so the guardrails apply to it",
        )
    ]
