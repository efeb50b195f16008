"""The vendor role: trust names only declared principals and needs the external id; boundary,
session duration and policies are as built.

The expected role comes from :attr:`Expectations.vendor_roles` (the access builder); these
checks report nothing for an integration without one.
"""

from __future__ import annotations

import re
from typing import Any

from airlock.verify import policies
from airlock.verify.aws import ApiError
from airlock.verify.context import Context
from airlock.verify.discovery import deployed_stack
from airlock.verify.expected import ExpectedVendorRole
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ASSUME = {"sts:AssumeRole", "sts:*", "*"}


def _expected(ctx: Context) -> ExpectedVendorRole | None:
    assert ctx.integration is not None
    if ctx.account_id is None:
        return None
    return ctx.expectations.vendor_roles.get(ctx.integration.name)


def _iam_region(ctx: Context) -> str:
    assert ctx.integration is not None
    return ctx.integration.regions[0]


def vendor_role(ctx: Context, want: ExpectedVendorRole) -> dict[str, Any] | None:
    def read() -> dict[str, Any] | None:
        try:
            return dict(ctx.account().call("iam", _iam_region(ctx), "get_role", RoleName=want.role_name)["Role"])
        except ApiError as exc:
            if exc.code == "NoSuchEntity":
                return None
            raise

    return ctx.memo(("vendor-role", ctx.account_id, want.role_name), read)


def resolve_policy(ctx: Context, value: str) -> str:
    """A policy ARN as given, or the ARN of the stack resource with that logical id."""
    if value.startswith("arn:"):
        return value
    assert ctx.integration is not None
    stack = deployed_stack(ctx.scoped(ctx.integration, _iam_region(ctx)))
    return (stack.physical_id(value) if stack else None) or value


def _stack_policies(ctx: Context, want: ExpectedVendorRole) -> tuple[str | None, set[str]]:
    """The boundary and managed policies the deployed stack's template gives the role (physical ids)."""
    assert ctx.integration is not None
    stack = deployed_stack(ctx.scoped(ctx.integration, _iam_region(ctx)))
    if stack is None:
        return None, set()
    roles = {
        logical: body
        for logical, body in stack.template_resources("AWS::IAM::Role").items()
        if body.get("Properties", {}).get("RoleName") == want.role_name
    }
    if len(roles) != 1:
        return None, set()
    ((logical, body),) = roles.items()
    boundary = body.get("Properties", {}).get("PermissionsBoundary")
    boundary_id = stack.physical_id(boundary["Ref"]) if isinstance(boundary, dict) and "Ref" in boundary else None
    managed = {
        pid
        for policy_logical, policy in stack.template_resources("AWS::IAM::ManagedPolicy").items()
        if {"Ref": logical} in policy.get("Properties", {}).get("Roles", [])
        and (pid := stack.physical_id(policy_logical))
    }
    return boundary_id, managed


def _principal_arn(ctx: Context, principal: str) -> str:
    if _ACCOUNT_ID.match(principal):
        return f"arn:{ctx.partition}:iam::{principal}:root"
    return principal


def trust_problems(ctx: Context, trust: dict[str, Any], want: ExpectedVendorRole) -> list[str]:
    """Why ``trust`` admits more than the declared principals with the external id."""
    allowed = {_principal_arn(ctx, p) for p in want.principals}
    problems = []
    for index, statement in enumerate(policies.statements(trust)):
        normalised = policies.normalise_statement(statement)
        if normalised.get("Effect") != "Allow":
            continue
        if not _ASSUME & set(normalised.get("Action", [])):
            continue  # sts:TagSession and the like ride on an AssumeRole statement
        label = statement.get("Sid") or f"statement {index}"
        if "NotPrincipal" in normalised:
            problems.append(f"{label} uses NotPrincipal")
            continue
        principal = normalised.get("Principal", {})
        others = sorted(set(principal) - {"AWS"})
        if others:
            problems.append(f"{label} trusts {', '.join(others)} principals")
        named = {_principal_arn(ctx, p) for p in principal.get("AWS", [])} - _self(ctx, normalised, want)
        undeclared = sorted(named - allowed)
        if undeclared:
            problems.append(f"{label} trusts undeclared {', '.join(undeclared)}")
        external = normalised.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
        if not external:
            problems.append(f"{label} does not require sts:ExternalId")
        elif want.external_id is not None and external != [want.external_id]:
            problems.append(f"{label} requires another external id")
    return problems


def _self(ctx: Context, statement: dict[str, Any], want: ExpectedVendorRole) -> set[str]:
    """The role's own account, when the statement admits exactly the role itself (``self_assume``)."""
    if not want.self_assume or ctx.account_id is None:
        return set()
    arns = statement.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn")
    if arns != [f"arn:{ctx.partition}:iam::{ctx.account_id}:role/{want.role_name}"]:
        return set()
    return {f"arn:{ctx.partition}:iam::{ctx.account_id}:root"}


@check("AV-VENDOR-1", scope=Scope.INTEGRATION, title="Vendor role trusts only declared principals, with ExternalId")
def vendor_trust(ctx: Context) -> list[Finding]:
    """The vendor role exists; every Allow statement of its trust policy that grants
    ``sts:AssumeRole`` names only the vendor's declared principals and requires
    ``sts:ExternalId`` (equal to the declared value, if one is given)."""
    want = _expected(ctx)
    if want is None:
        return []
    role = vendor_role(ctx, want)
    if role is None:
        return [ctx.missing("AV-VENDOR-1", want.role_name, "the vendor role does not exist; redeploy the stack")]
    trust = policies.parse(role.get("AssumeRolePolicyDocument") or {})
    problems = trust_problems(ctx, trust, want)
    if problems:
        return [ctx.drift("AV-VENDOR-1", role["Arn"], "; ".join(problems))]
    return [ctx.ok("AV-VENDOR-1", role["Arn"], "trust names only declared principals and requires the external id")]


@check("AV-VENDOR-2", scope=Scope.INTEGRATION, title="Vendor role boundary and session duration are as built")
def vendor_limits(ctx: Context) -> list[Finding]:
    """The vendor role carries the expected permissions boundary and maximum session duration."""
    want = _expected(ctx)
    if want is None:
        return []
    role = vendor_role(ctx, want)
    if role is None:
        return []  # reported by AV-VENDOR-1
    problems = []
    boundary = role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn")
    expected_boundary = resolve_policy(ctx, want.permissions_boundary_arn) if want.permissions_boundary_arn else None
    if want.policies_from_stack and expected_boundary is None:
        expected_boundary = _stack_policies(ctx, want)[0]
    if expected_boundary is not None and boundary != expected_boundary:
        problems.append(f"boundary is {boundary or 'absent'}, expected {expected_boundary}")
    duration = role.get("MaxSessionDuration")
    if duration != want.max_session_duration:
        problems.append(f"maximum session is {duration} s, expected {want.max_session_duration} s")
    if problems:
        return [ctx.drift("AV-VENDOR-2", role["Arn"], "; ".join(problems))]
    return [ctx.ok("AV-VENDOR-2", role["Arn"], f"boundary {boundary}, sessions up to {duration} s")]


@check("AV-VENDOR-3", scope=Scope.INTEGRATION, title="Vendor role has no extra policies")
def vendor_policies(ctx: Context) -> list[Finding]:
    """The managed policies attached to the vendor role and its inline policy names are
    exactly the expected ones."""
    want = _expected(ctx)
    if want is None:
        return []
    role = vendor_role(ctx, want)
    if role is None:
        return []
    account = ctx.account()
    region = _iam_region(ctx)
    attached = {
        p["PolicyArn"]
        for p in account.items(
            "iam", region, "list_attached_role_policies", "AttachedPolicies", RoleName=want.role_name
        )
    }
    inline = set(account.items("iam", region, "list_role_policies", "PolicyNames", RoleName=want.role_name))
    managed = {resolve_policy(ctx, policy) for policy in want.managed_policy_arns}
    if want.policies_from_stack:
        managed |= _stack_policies(ctx, want)[1]
    problems = []
    if attached - managed:
        problems.append(f"extra managed policies {', '.join(sorted(attached - managed))}")
    if managed - attached:
        problems.append(f"missing managed policies {', '.join(sorted(managed - attached))}")
    if inline - want.inline_policy_names:
        problems.append(f"extra inline policies {', '.join(sorted(inline - want.inline_policy_names))}")
    if want.inline_policy_names - inline:
        problems.append(f"missing inline policies {', '.join(sorted(want.inline_policy_names - inline))}")
    if problems:
        return [ctx.drift("AV-VENDOR-3", role["Arn"], "; ".join(problems) + "; detach what the spec does not declare")]
    return [ctx.ok("AV-VENDOR-3", role["Arn"], "only the declared policies")]
