"""The least-privilege IAM policies `airlock verify` needs, as data (docs/verify.md prints them).

Two policies: one for the identity the audit runs as in the management account (read the
organisation, assume the audit role), one for the role it assumes in each intermediate
account (read-only describes of what the checks compare). Nothing here can change state.
A test checks every action against the IAM catalogue and that every call the emulator run
makes is covered.
"""

from __future__ import annotations

import json
from typing import Any

#: For the caller in the management account (or a delegated administrator of Organizations).
MANAGEMENT_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOrganization",
            "Effect": "Allow",
            "Action": [
                "organizations:DescribePolicy",
                "organizations:ListOrganizationalUnitsForParent",
                "organizations:ListParents",
                "organizations:ListPoliciesForTarget",
            ],
            "Resource": "*",
        },
        {
            "Sid": "AssumeTheAuditRole",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::*:role/OrganizationAccountAccessRole",
        },
    ],
}

#: For the role assumed in each intermediate account (``--role-name``).
INTERMEDIATE_ACCOUNT_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadIntegrationStacks",
            "Effect": "Allow",
            "Action": [
                "cloudformation:DescribeStacks",
                "cloudformation:GetTemplate",
                "cloudformation:ListStackResources",
            ],
            "Resource": "arn:aws:cloudformation:*:*:stack/airlock-*/*",
        },
        {
            "Sid": "FindHandMadeBootstrapStacks",
            "Effect": "Allow",
            "Action": "cloudformation:DescribeStacks",
            "Resource": "arn:aws:cloudformation:*:*:stack/CDKToolkit/*",
        },
        {
            "Sid": "ReadNetwork",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeEgressOnlyInternetGateways",
                "ec2:DescribeFlowLogs",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeNatGateways",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeTransitGatewayVpcAttachments",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcPeeringConnections",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ReadLogGroups",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "*",
        },
        {
            "Sid": "ReadBufferQueues",
            "Effect": "Allow",
            "Action": ["sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
            "Resource": "arn:aws:sqs:*:*:airlock-*",
        },
        {
            "Sid": "ReadVendorRole",
            "Effect": "Allow",
            "Action": ["iam:GetRole", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies"],
            "Resource": "arn:aws:iam::*:role/*",
        },
    ],
}


def actions(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for statement in document["Statement"]:
        value = statement["Action"]
        found.update([value] if isinstance(value, str) else value)
    return found


def render() -> str:
    """Both policies as the JSON blocks docs/verify.md shows."""
    return json.dumps(MANAGEMENT_POLICY, indent=2) + "\n\n" + json.dumps(INTERMEDIATE_ACCOUNT_POLICY, indent=2) + "\n"
