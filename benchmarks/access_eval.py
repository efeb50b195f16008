"""Micro-benchmark of the policy evaluator: evaluations per CPU second on a realistic policy set.

The policy set looks like an intermediate account's: three SCP levels (FullAWSAccess plus
guardrails that exempt roles by ``aws:PrincipalArn``), a vendor role's identity policy,
boundary and explicit denies, a bucket policy with TLS-only and prefix statements, a key
policy delegating to IAM, and an organization-fenced endpoint policy. Requests sweep the IAM
action catalogue (policy_sentry) against a few resources, as exhaustive effective-access
enumeration does, first unpruned and then pruned with ``actions_matching``.

A second workload has the shape of the deployability proof, which makes most of a check's
evaluations: each account's CloudFormation execution role (AdministratorAccess) asks for
handler permissions of the services a landing zone deploys, under three SCP levels
(FullAWSAccess plus guardrails that exempt roles by ``aws:PrincipalArn`` and restrict
regions) and three RCP levels; most requests are allowed.

    .venv/bin/python -m benchmarks.access_eval            # prints and writes benchmarks/results/access_eval.json
    .venv/bin/python -m benchmarks.access_eval --quick    # fewer requests
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

from airlock.access.evaluate import evaluate
from airlock.access.model import Policy, PolicySet, Principal, Request, Source, context
from airlock.access.policy import actions_matching, parse_policy

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
VENDOR = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/airlock-vendor-nimbus")
BUCKET = "arn:aws:s3:::airlock-nimbus-drop-zone"
RESOURCES = (f"{BUCKET}/nimbus/in/file.csv", f"arn:aws:sqs:eu-central-1:{ACCOUNT}:nimbus-buffer", "*")
CONTEXT = context(
    {
        "aws:SecureTransport": True,
        "aws:PrincipalOrgID": "o-abc123",
        "aws:SourceIp": "203.0.113.10",
        "aws:ResourceAccount": ACCOUNT,
        "aws:PrincipalTag/airlock:integration": "nimbus",
    }
)


def _policy(kind: Any, name: str, *statements: dict[str, Any]) -> Policy:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)}, Source(kind, name=name))


def _guard(sid: str, actions: list[str]) -> dict[str, Any]:
    exempt = ["arn:aws:iam::*:role/airlock-break-glass", "arn:aws:iam::*:role/stacksets-exec-*"]
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": exempt}},
    }


def policy_set() -> PolicySet:
    full = _policy("scp", "FullAWSAccess", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    guards = _policy(
        "scp",
        "airlock-guardrails",
        _guard(
            "NoInternet", ["ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:CreateVpcPeeringConnection"]
        ),
        _guard("NoLeave", ["organizations:LeaveOrganization"]),
        _guard("KeepLogs", ["ec2:DeleteFlowLogs", "logs:DeleteLogGroup", "cloudtrail:StopLogging"]),
        _guard("NoExemptRoles", ["iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy"]),
    )
    vendor = _policy(
        "identity",
        "vendor",
        {
            "Sid": "Write",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
            "Resource": f"{BUCKET}/nimbus/*",
        },
        {"Sid": "Send", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": RESOURCES[1]},
        {
            "Sid": "Key",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}},
        },
        {"Sid": "NoIam", "Effect": "Deny", "Action": ["iam:*", "organizations:*", "kms:PutKeyPolicy"], "Resource": "*"},
    )
    boundary = _policy(
        "boundary", "vendor-boundary", {"Effect": "Allow", "Action": ["s3:*", "sqs:*", "kms:*"], "Resource": "*"}
    )
    bucket = _policy(
        "resource",
        "drop-zone",
        {
            "Sid": "Tls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [BUCKET, f"{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "Prefix",
            "Effect": "Deny",
            "Principal": {"AWS": VENDOR.arn},
            "Action": "s3:PutObject",
            "NotResource": f"{BUCKET}/nimbus/*",
        },
        {
            "Sid": "Writers",
            "Effect": "Allow",
            "Principal": {"AWS": VENDOR.arn},
            "Action": "s3:PutObject",
            "Resource": f"{BUCKET}/nimbus/*",
        },
    )
    endpoint = _policy(
        "endpoint",
        "s3-endpoint",
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123", "aws:ResourceAccount": [ACCOUNT]}},
        },
    )
    return PolicySet(
        identity=(vendor,),
        boundary=boundary,
        scps=((full,), (full, guards), (full,)),
        resource=bucket,
        resource_account=ACCOUNT,
        endpoint=endpoint,
    )


_EXEMPT = ["arn:aws:iam::*:role/cdk-hnb659fds-*", "arn:aws:iam::*:role/airlock-break-glass"]
DEPLOY_SERVICES = ("iam", "s3", "kms", "ec2", "logs", "sqs", "sns", "cloudwatch", "route53resolver", "ssm")


def _deploy_guardrails() -> Policy:
    return _policy(
        "scp",
        "airlock-ou-guardrails",
        {
            "Sid": "DenyRootUser",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
        },
        {
            "Sid": "RestrictRegions",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "cloudfront:*", "route53:*", "support:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {"aws:RequestedRegion": ["eu-central-1", "eu-west-1"]},
                "ArnNotLike": {"aws:PrincipalArn": _EXEMPT},
            },
        },
        {
            "Sid": "ProtectExemptRoles",
            "Effect": "Deny",
            "Action": ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:PutRolePolicy"],
            "Resource": ["arn:aws:iam::*:role/cdk-hnb659fds-*", "arn:aws:iam::*:role/airlock-break-glass"],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/airlock-break-glass"]}},
        },
        _guard("KeepLogs", ["ec2:DeleteFlowLogs", "logs:DeleteLogGroup", "cloudtrail:StopLogging"]),
    )


def deploy_workload(catalogue: tuple[str, ...], accounts: int = 20) -> list[tuple[Request, PolicySet]]:
    """Requests of each account's CloudFormation execution role under its account's SCPs and RCPs."""
    full = _policy("scp", "FullAWSAccess", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    rcp_full = _policy("rcp", "RCPFullAWSAccess", {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    admin = _policy("identity", "AdministratorAccess", {"Effect": "Allow", "Action": "*", "Resource": "*"})
    guardrails = _deploy_guardrails()
    tls = _policy(
        "rcp",
        "airlock-tls",
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*", "sqs:*", "kms:*"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
        },
    )
    actions = [a for a in catalogue if a.split(":", 1)[0] in DEPLOY_SERVICES][::5]
    out = []
    for index in range(accounts):
        account = f"{300000000000 + index}"
        own = _policy("scp", f"airlock-integration-{index}", _guard("NoLeave", ["organizations:LeaveOrganization"]))
        policies = PolicySet(
            identity=(admin,),
            scps=((full,), (full, guardrails), (full, own)),
            rcps=((rcp_full,), (rcp_full, tls), (rcp_full,)),
        )
        role = Principal.role(f"arn:aws:iam::{account}:role/cdk-hnb659fds-cfn-exec-role-{account}-eu-central-1")
        given = context(
            {
                "aws:SecureTransport": True,
                "aws:RequestedRegion": "eu-central-1",
                "aws:ResourceAccount": account,
                "aws:SourceIp": "52.94.133.1",
            }
        )
        for action in actions:
            service = action.split(":", 1)[0]
            for resource in (f"arn:aws:{service}:eu-central-1:{account}:airlock-{index}", "*"):
                out.append((Request(role, action, resource, given), policies))
    return out


def _rate(requests: list[Request], policies: PolicySet) -> tuple[float, dict[str, int]]:
    return _pairs_rate([(req, policies) for req in requests])


def _pairs_rate(pairs: list[tuple[Request, PolicySet]]) -> tuple[float, dict[str, int]]:
    verdicts: dict[str, int] = {}
    start = time.process_time()  # CPU time: the machine is shared, wall time is noisy
    for req, policies in pairs:
        verdict = evaluate(req, policies).verdict.value
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    return len(pairs) / (time.process_time() - start), verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the catalogue, two accounts")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "access_eval.json")
    args = parser.parse_args()
    from policy_sentry.querying.all import get_all_actions

    catalogue = tuple(sorted(get_all_actions()))
    if args.quick:
        catalogue = catalogue[::10]
    policies = policy_set()
    requests = [Request(VENDOR, action, resource, CONTEXT) for action in catalogue for resource in RESOURCES]
    evaluate(requests[0], policies)  # compile once, as a check run does
    rate, verdicts = _rate(requests, policies)
    start = time.perf_counter()
    kept = actions_matching((*(policies.identity), policies.resource), catalogue)  # type: ignore[arg-type]
    pruning = time.perf_counter() - start
    pruned = [r for r in requests if r.action in kept]
    pruned_rate, _ = _rate(pruned, policies)
    deploy = deploy_workload(catalogue, accounts=2 if args.quick else 20)
    deploy_rate, deploy_verdicts = _pairs_rate(deploy)
    result = {
        "python": platform.python_version(),
        "requests": len(requests),
        "evaluations_per_second": round(rate),
        "verdicts": verdicts,
        "actions_matching_seconds": round(pruning, 4),
        "actions_kept": len(kept),
        "pruned_requests": len(pruned),
        "pruned_evaluations_per_second": round(pruned_rate),
        "cpu_seconds": round(len(requests) / rate, 3),
        "deploy_requests": len(deploy),
        "deploy_evaluations_per_second": round(deploy_rate),
        "deploy_verdicts": deploy_verdicts,
        "deploy_cpu_seconds": round(len(deploy) / deploy_rate, 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
