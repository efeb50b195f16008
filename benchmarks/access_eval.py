"""Micro-benchmark of the policy evaluator: evaluations per CPU second on a realistic policy set.

The policy set looks like an intermediate account's: three SCP levels (FullAWSAccess plus
guardrails that exempt roles by ``aws:PrincipalArn``), a vendor role's identity policy,
boundary and explicit denies, a bucket policy with TLS-only and prefix statements, a key
policy delegating to IAM, and an organization-fenced endpoint policy. Requests sweep the IAM
action catalogue (policy_sentry) against a few resources, as exhaustive effective-access
enumeration does, first unpruned and then pruned with ``actions_matching``.

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


def _rate(requests: list[Request], policies: PolicySet) -> tuple[float, dict[str, int]]:
    verdicts: dict[str, int] = {}
    start = time.process_time()  # CPU time: the machine is shared, wall time is noisy
    for req in requests:
        verdict = evaluate(req, policies).verdict.value
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    return len(requests) / (time.process_time() - start), verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the catalogue")
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
    result = {
        "python": platform.python_version(),
        "requests": len(requests),
        "evaluations_per_second": round(rate),
        "verdicts": verdicts,
        "actions_matching_seconds": round(pruning, 4),
        "actions_kept": len(kept),
        "pruned_requests": len(pruned),
        "pruned_evaluations_per_second": round(pruned_rate),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
