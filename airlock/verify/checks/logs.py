"""Log groups of an integration: retention and a customer-managed KMS key."""

from __future__ import annotations

from airlock.verify.checks.network import expected_flow_logs
from airlock.verify.context import Context
from airlock.verify.discovery import deployed_stack
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

LOG_GROUP = "AWS::Logs::LogGroup"


@check("AV-LOGGROUP-1", scope=Scope.REGION, title="Log groups have the expected retention and a KMS key")
def log_groups(ctx: Context) -> list[Finding]:
    """Every log group of the integration stack exists, is encrypted with a KMS key and keeps
    events for a limited time: the flow-log group for ``network.flow_log_retention_days``,
    every other group for the retention in the deployed template."""
    assert ctx.integration is not None and ctx.region is not None
    stack = deployed_stack(ctx)
    if stack is None:
        return []
    flow_groups = {
        want["target"]
        for wants in expected_flow_logs(stack).values()
        for want in wants
        if want["type"] == "cloud-watch-logs"
    }
    declared = {
        stack.physical_id(logical): body.get("Properties", {}).get("RetentionInDays")
        for logical, body in stack.template_resources(LOG_GROUP).items()
    }
    findings = []
    for name in stack.physical_ids(LOG_GROUP):
        network = ctx.integration.network
        expected = network.flow_log_retention_days if network and name in flow_groups else declared.get(name)
        groups = ctx.account().items("logs", ctx.region, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
        group = next((g for g in groups if g.get("logGroupName") == name), None)
        if group is None:
            findings.append(ctx.missing("AV-LOGGROUP-1", name, "the log group does not exist; redeploy the stack"))
            continue
        problems = []
        retention = group.get("retentionInDays")
        if retention is None:
            problems.append("keeps events forever (no retention)")
        elif expected is not None and int(retention) != int(expected):
            problems.append(f"retention is {retention} days, expected {expected}")
        if not group.get("kmsKeyId"):
            problems.append("is not encrypted with a KMS key")
        if problems:
            findings.append(ctx.drift("AV-LOGGROUP-1", name, "; ".join(problems) + "; redeploy the stack"))
        else:
            findings.append(ctx.ok("AV-LOGGROUP-1", name, f"retention {retention} days, KMS key {group['kmsKeyId']}"))
    return findings
