"""SCPs: the expected guardrails on each target, nothing else, and the quarantine SCP.

Expected documents come from :attr:`Expectations.scps` and :attr:`Expectations.quarantine_scp`
(the guardrail builders); these checks report nothing while those are empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from airlock.verify import policies
from airlock.verify.context import Context
from airlock.verify.expected import DEDICATED_OU, ExpectedPolicy
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

SCP = "SERVICE_CONTROL_POLICY"


def attached_policies(ctx: Context, target_id: str, policy_type: str) -> dict[str, dict[str, str]]:
    """Policies of ``policy_type`` attached directly to ``target_id``, by name (each: Id, Arn, Name...)."""

    def read() -> dict[str, dict[str, str]]:
        policies_ = ctx.management().items(
            "organizations",
            ctx.home_region,
            "list_policies_for_target",
            "Policies",
            TargetId=target_id,
            Filter=policy_type,
        )
        return {policy["Name"]: policy for policy in policies_}

    return ctx.memo((policy_type, target_id), read)


def attached_scps(ctx: Context, target_id: str) -> dict[str, dict[str, str]]:
    """SCPs attached directly to ``target_id``, by name (each: Id, Arn, Name...)."""
    return attached_policies(ctx, target_id, SCP)


def scp_content(ctx: Context, policy_id: str) -> str:
    def read() -> str:
        response = ctx.management().call("organizations", ctx.home_region, "describe_policy", PolicyId=policy_id)
        return str(response["Policy"]["Content"])

    return ctx.memo(("scp-content", policy_id), read)


def compare_scps(
    ctx: Context, target_id: str, expected: Sequence[ExpectedPolicy], tolerated: Sequence[str] = ()
) -> list[Finding]:
    """AV-SCP-1 per expected policy (attached, same content) and AV-SCP-2 per unexpected one.

    ``tolerated`` names SCPs another check judges (the quarantine SCP) or that the spec
    declares as attached outside airlock.
    """
    allowed = [*ctx.expectations.allowed_extra_scps, *tolerated]
    return compare_policies(ctx, target_id, expected, allowed, PolicyKind(SCP, "SCP", "AV-SCP-1", "AV-SCP-2"))


@dataclass(frozen=True)
class PolicyKind:
    """An Organizations policy type as the checks name it: its type, its short name, its check ids."""

    policy_type: str
    short: str
    attached_id: str
    undeclared_id: str


def compare_policies(
    ctx: Context, target_id: str, expected: Sequence[ExpectedPolicy], allowed: Sequence[str], kind: PolicyKind
) -> list[Finding]:
    """Each expected policy of ``kind`` is attached to ``target_id`` with the expected content
    (a row each), and nothing but those and ``allowed`` is attached (one row per other)."""
    attached = attached_policies(ctx, target_id, kind.policy_type)
    short, first, second = kind.short, kind.attached_id, kind.undeclared_id
    findings = []
    for policy in expected:
        found = attached.get(policy.name)
        resource = f"{target_id}/{policy.name}"
        if found is None:
            findings.append(ctx.missing(first, resource, f"{short} '{policy.name}' is not attached to {target_id}"))
            continue
        content = scp_content(ctx, found["Id"])
        if policies.same(policy.parsed(), content):
            findings.append(ctx.ok(first, resource, f"{short} {found['Id']} is attached with the expected content"))
        else:
            findings.append(
                ctx.drift(
                    first,
                    resource,
                    f"{short} {found['Id']} differs from the spec: {policies.difference(policy.parsed(), content)}; "
                    "redeploy the organization stack",
                )
            )
    names = {policy.name for policy in expected} | set(allowed)
    extra = sorted(name for name in attached if name not in names)
    for name in extra:
        findings.append(
            ctx.drift(
                second,
                f"{target_id}/{name}",
                f"{short} '{name}' ({attached[name]['Id']}) is attached to {target_id} but not declared; detach it or "
                "declare it",
            )
        )
    if not extra:
        findings.append(ctx.ok(second, target_id, f"no undeclared {short} is attached"))
    return findings


def _child_ou(ctx: Context, parent_id: str, name: str) -> str | None:
    def read() -> str | None:
        units = ctx.management().items(
            "organizations",
            ctx.home_region,
            "list_organizational_units_for_parent",
            "OrganizationalUnits",
            ParentId=parent_id,
        )
        return next((unit["Id"] for unit in units if unit.get("Name") == name), None)

    return ctx.memo(("child-ou", parent_id, name), read)


def _target_id(ctx: Context, key: str) -> tuple[str | None, str]:
    """The live id of a target key (None when its OU does not exist), and why not."""
    if not key.startswith(DEDICATED_OU):
        return key, ""
    from airlock.verify.checks.organization import dedicated_ou

    unit = dedicated_ou(ctx)
    if unit is None:
        return None, "the dedicated OU does not exist (see AV-OU-1)"
    target: str | None = unit["Id"]
    path = [name for name in key.removeprefix(DEDICATED_OU).split("/") if name]
    for depth, name in enumerate(path):
        assert target is not None
        target = _child_ou(ctx, target, name)
        if target is None:
            below = "/".join([ctx.spec.organization.ou_name, *path[:depth]])
            return None, f"no OU named '{name}' under {below}; deploy the organization stack"
    return target, ""


def _label(ctx: Context, key: str) -> str:
    """A readable name of a target key: the OU path from the parent for an OU key."""
    if not key.startswith(DEDICATED_OU):
        return key
    org = ctx.spec.organization
    return "/".join([org.parent_id, org.ou_name, *filter(None, key.removeprefix(DEDICATED_OU).split("/"))])


@check("AV-SCP-1", scope=Scope.ORGANIZATION, title="Expected SCPs are attached with the expected content")
def organization_scps(ctx: Context) -> list[Finding]:
    """Each SCP the guardrail builders expect on the dedicated OU, its sub-OUs (or another OU
    or root) is attached directly to it, and its document equals the expected one after
    normalisation; AV-SCP-2 rows name every other SCP attached there (``FullAWSAccess`` and
    the external SCPs the spec declares on the target are tolerated)."""
    findings: list[Finding] = []
    integration_names = {integration.name for integration in ctx.spec.integrations}
    for key, expected in sorted(ctx.expectations.scps.items()):
        if key in integration_names:
            continue  # compared per integration, in its account
        target, why = _target_id(ctx, key)
        if target is None:
            findings.append(ctx.missing("AV-SCP-1", _label(ctx, key), why))
            continue
        findings.extend(compare_scps(ctx, target, expected, sorted(ctx.expectations.external_scps.get(key, ()))))
    return findings


@check("AV-SCP-3", scope=Scope.INTEGRATION, title="Account SCPs match; suspended integrations are quarantined")
def account_scps(ctx: Context) -> list[Finding]:
    """The integration's account carries the SCPs expected for it (AV-SCP-1/2 rows), and the
    quarantine SCP exactly when the integration's state is ``suspended``."""
    assert ctx.integration is not None
    account_id = ctx.account_id
    expected = list(ctx.expectations.scps.get(ctx.integration.name, ()))
    quarantine = ctx.expectations.quarantine_scp
    if account_id is None or (not expected and quarantine is None):
        return []
    tolerated = sorted(ctx.expectations.external_scps.get(ctx.integration.name, ()))
    tolerated += [quarantine.name] if quarantine is not None else []
    findings = compare_scps(ctx, account_id, expected, tolerated) if expected else []
    if quarantine is None:
        return findings
    findings.extend(quarantine_findings(ctx, "AV-SCP-3", "SCP", quarantine, attached_scps(ctx, account_id)))
    return findings


def quarantine_findings(
    ctx: Context, check_id: str, kind: str, quarantine: ExpectedPolicy, attached: dict[str, dict[str, str]]
) -> list[Finding]:
    """One row: the quarantine policy (SCP or RCP) is attached to the account exactly when the
    integration is suspended, with the expected content."""
    assert ctx.integration is not None
    resource = f"{ctx.account_id}/{quarantine.name}"
    if ctx.integration.state == "suspended":
        found = attached.get(quarantine.name)
        if found is None:
            return [
                ctx.missing(
                    check_id,
                    resource,
                    f"the integration is suspended but its account does not carry the quarantine {kind}; the vendor "
                    "is not cut off",
                )
            ]
        if not policies.same(quarantine.parsed(), scp_content(ctx, found["Id"])):
            return [ctx.drift(check_id, resource, f"the quarantine {kind}'s content differs from the spec")]
        return [ctx.ok(check_id, resource, f"suspended, and the quarantine {kind} is attached")]
    if quarantine.name in attached:
        return [
            ctx.drift(
                check_id,
                resource,
                f"the integration is active but its account carries the quarantine {kind}; detach it or set the "
                "state to 'suspended'",
            )
        ]
    return [ctx.ok(check_id, resource, f"active, and no quarantine {kind} is attached")]
