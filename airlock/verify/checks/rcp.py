"""RCPs: each intermediate account carries its data-perimeter RCPs, and the quarantine RCP
exactly when its integration is suspended.

Expected documents come from :attr:`Expectations.rcps` and :attr:`Expectations.quarantine_rcp`
(the plan the organization stacks build their RCPs from); these checks report nothing while
those are empty (e.g. the spec opts out of RCPs).
"""

from __future__ import annotations

from airlock.verify.checks.scp import PolicyKind, attached_policies, compare_policies, quarantine_findings
from airlock.verify.context import Context
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

RCP = "RESOURCE_CONTROL_POLICY"
KIND = PolicyKind(RCP, "RCP", "AV-RCP-1", "AV-RCP-2")


@check("AV-RCP-1", scope=Scope.INTEGRATION, title="Account RCPs match; suspended integrations carry the quarantine RCP")
def account_rcps(ctx: Context) -> list[Finding]:
    """The integration's account carries the RCPs expected for it with the expected content
    (AV-RCP-1), no other RCP but ``RCPFullAWSAccess`` and the quarantine RCP (AV-RCP-2), and the
    quarantine RCP exactly when the integration's state is ``suspended`` (AV-RCP-3)."""
    assert ctx.integration is not None
    account_id = ctx.account_id
    expected = list(ctx.expectations.rcps.get(ctx.integration.name, ()))
    quarantine = ctx.expectations.quarantine_rcp
    if account_id is None or (not expected and quarantine is None):
        return []
    allowed = [*ctx.expectations.allowed_extra_rcps, *([quarantine.name] if quarantine is not None else [])]
    findings = compare_policies(ctx, account_id, expected, allowed, KIND) if expected else []
    if quarantine is not None:
        attached = attached_policies(ctx, account_id, RCP)
        findings.extend(quarantine_findings(ctx, "AV-RCP-3", "RCP", quarantine, attached))
    return findings
