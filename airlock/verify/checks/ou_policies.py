"""Management policies of the dedicated OU: the EC2 declarative policy and the tag policy.

Expected documents come from :attr:`Expectations.ou_policies` (the documents the organization
stack attaches to the dedicated OU, :mod:`airlock.constructs.guardrails.declarative`); a policy
type the spec opts out of (``organization.perimeter``) has no expectation and no rows.

Unlike SCPs and RCPs, these types have no AWS-managed policy that Organizations attaches by
itself, so every policy of the type on the OU other than the expected one is reported.
"""

from __future__ import annotations

from airlock.verify.checks.scp import PolicyKind, _target_id, compare_policies
from airlock.verify.context import Context
from airlock.verify.expected import DEDICATED_OU
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

EC2 = PolicyKind("DECLARATIVE_POLICY_EC2", "EC2 declarative policy", "AV-EC2-1", "AV-EC2-2")
TAG = PolicyKind("TAG_POLICY", "tag policy", "AV-TAG-1", "AV-TAG-2")


def _ou_policies(ctx: Context, kind: PolicyKind) -> list[Finding]:
    expected = list(ctx.expectations.ou_policies.get(kind.policy_type, ()))
    if not expected:
        return []
    target, why = _target_id(ctx, DEDICATED_OU)
    if target is None:
        org = ctx.spec.organization
        return [ctx.missing(kind.attached_id, f"{org.parent_id}/{org.ou_name}", why)]
    return compare_policies(ctx, target, expected, (), kind)


@check("AV-EC2-1", scope=Scope.ORGANIZATION, title="The dedicated OU carries the EC2 declarative policy")
def ec2_declarative_policy(ctx: Context) -> list[Finding]:
    """The EC2 declarative policy ``airlock-ec2-baseline`` (VPC Block Public Access
    bidirectional, IMDSv2, no public AMI or snapshot sharing, serial console off) is attached
    directly to the dedicated OU with the expected content (AV-EC2-1), and no other EC2
    declarative policy is attached there (AV-EC2-2)."""
    return _ou_policies(ctx, EC2)


@check("AV-TAG-1", scope=Scope.ORGANIZATION, title="The dedicated OU carries the tag policy")
def tag_policy(ctx: Context) -> list[Finding]:
    """The tag policy ``airlock-tags`` (the mandatory ``airlock:*`` keys and the allowed data
    classifications) is attached directly to the dedicated OU with the expected content
    (AV-TAG-1), and no other tag policy is attached there (AV-TAG-2)."""
    return _ou_policies(ctx, TAG)
