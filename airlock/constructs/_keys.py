"""Customer-managed KMS keys with the policies airlock's resources need."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct


def customer_managed_key(scope: Construct, id: str, *, description: str) -> kms.Key:
    """A symmetric customer-managed key with yearly rotation, retained on stack deletion.

    Its policy denies ``kms:CreateGrant`` unless the grant is for an AWS service acting on an
    AWS resource (AWS Control Tower control CT.KMS.PR.3): nobody can hand out lasting use of
    the key through a grant, outside of the key policy.
    """
    key = kms.Key(
        scope,
        id,
        description=description,
        enable_key_rotation=True,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    deny_grants_except_for_aws_services(key)
    return key


def deny_grants_except_for_aws_services(key: kms.IKey) -> bool:
    """Refuse ``kms:CreateGrant`` unless the grant is for an AWS resource (Control Tower CT.KMS.PR.3).

    Returns whether the statement was added (False for a key imported by ARN, whose policy
    this app does not own).
    """
    return key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsServices",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={"BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}},
        )
    ).statement_added


def log_encryption_key(scope: Construct, id: str, *, description: str) -> kms.Key:
    """A customer-managed key that CloudWatch Logs of this account and region may use.

    The grant is limited by the ``kms:EncryptionContext:aws:logs:arn`` condition to log
    groups of this account and region.
    """
    key = customer_managed_key(scope, id, description=description)
    stack = cdk.Stack.of(scope)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsOfThisAccount",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key
