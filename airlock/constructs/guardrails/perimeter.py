"""Resource control policies (RCPs): the data perimeter around an intermediate account.

SCPs limit the principals *of* an account; RCPs limit what any principal, of any account, may
do to the account's resources. Every statement here denies (``RCPFullAWSAccess`` stays
attached, as ``FullAWSAccess`` does for SCPs). The statements follow the shape of AWS's
published data-perimeter examples (aws-samples/data-perimeter-policy-examples,
``resource_control_policies/identity_perimeter_rcp.json``) for the services RCPs support
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html):

* :func:`identity_perimeter`: a principal that is neither of the organisation
  (``aws:PrincipalOrgID``) nor of a trusted account (``aws:PrincipalAccount``: the vendor's
  declared accounts and the spec's declared exceptions) nor an AWS service
  (``aws:PrincipalIsAWSService``) is denied, whatever a resource policy says;
* :func:`service_perimeter`: an AWS service may act on the resources only for a source of the
  organisation or of a trusted account (``aws:SourceOrgID`` / ``aws:SourceAccount``, the
  confused-deputy guard); a service call without ``aws:SourceAccount`` is left alone, as AWS's
  example does for services that use service roles or KMS grants;
* :func:`secure_transport`: any request without TLS is denied.

Plain functions over plain data, no CDK: the planner (``airlock.stacks.perimeter_plan``) and
``airlock verify`` build the same documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_organizations as organizations
from constructs import Construct

Statement = dict[str, Any]

#: The actions the perimeter covers: every action of the services RCPs support, as AWS's
#: identity-perimeter example lists them (for STS the calls that act on a role of the account).
PERIMETER_ACTIONS: tuple[str, ...] = (
    "s3:*",
    "sqs:*",
    "kms:*",
    "secretsmanager:*",
    "sts:AssumeRole",
    "sts:DecodeAuthorizationMessage",
    "sts:GetAccessKeyInfo",
    "sts:GetFederationToken",
    "sts:GetServiceBearerToken",
    "sts:GetSessionToken",
    "sts:SetContext",
    "ecr:*",
    "aoss:*",
    "cognito-identity:*",
    "cognito-idp:*",
    "logs:*",
    "dynamodb:*",
)
#: Every action of the RCP services (STS included whole), for the TLS and quarantine denies.
RCP_SERVICE_ACTIONS: tuple[str, ...] = (
    "s3:*",
    "sqs:*",
    "kms:*",
    "secretsmanager:*",
    "sts:*",
    "ecr:*",
    "aoss:*",
    "cognito-identity:*",
    "cognito-idp:*",
    "logs:*",
    "dynamodb:*",
)
#: Name of the quarantine RCP (the kill switch's resource half).
QUARANTINE_RCP_NAME = "airlock-quarantine-rcp"


def _one_or_list(values: Sequence[str]) -> str | list[str]:
    values = list(values)
    return values[0] if len(values) == 1 else values


def _validate(organization_id: str, trusted_accounts: Sequence[str]) -> None:
    if not organization_id.startswith("o-"):
        raise ValueError(f"organization_id '{organization_id}' is not an organization id; write e.g. 'o-a1b2c3d4e5'")
    for account in trusted_accounts:
        if not (len(account) == 12 and account.isdigit()):
            raise ValueError(f"trusted account '{account}' is not a 12-digit AWS account id")


def identity_perimeter(
    organization_id: str, trusted_accounts: Sequence[str], *, excluded_resources: Sequence[str] = ()
) -> Statement:
    """Deny every principal outside the organisation and ``trusted_accounts`` (AWS services excepted).

    ``excluded_resources`` (ARN patterns) stay outside the statement (``NotResource``): the spec's
    declared exceptions, each with its reason.
    """
    _validate(organization_id, trusted_accounts)
    not_equals: dict[str, Any] = {"aws:PrincipalOrgID": organization_id}
    if trusted_accounts:
        not_equals["aws:PrincipalAccount"] = _one_or_list(sorted(set(trusted_accounts)))
    statement: Statement = {
        "Sid": "AirlockPerimeterIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(PERIMETER_ACTIONS),
    }
    if excluded_resources:
        statement["NotResource"] = _one_or_list(sorted(set(excluded_resources)))
    else:
        statement["Resource"] = "*"
    statement["Condition"] = {
        "StringNotEqualsIfExists": not_equals,
        "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
    }
    return statement


def service_perimeter(organization_id: str, trusted_accounts: Sequence[str]) -> Statement:
    """Deny AWS services acting for a source outside the organisation and ``trusted_accounts``."""
    _validate(organization_id, trusted_accounts)
    not_equals: dict[str, Any] = {"aws:SourceOrgID": organization_id}
    if trusted_accounts:
        not_equals["aws:SourceAccount"] = _one_or_list(sorted(set(trusted_accounts)))
    return {
        "Sid": "AirlockPerimeterServices",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(RCP_SERVICE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": not_equals,
            "Null": {"aws:SourceAccount": "false"},
            "Bool": {"aws:PrincipalIsAWSService": "true"},
        },
    }


def secure_transport() -> Statement:
    """Deny every request to the RCP services that does not use TLS."""
    return {
        "Sid": "AirlockPerimeterSecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(RCP_SERVICE_ACTIONS),
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}},
    }


def perimeter_statements(
    organization_id: str, trusted_accounts: Sequence[str], *, excluded_resources: Sequence[str] = ()
) -> list[Statement]:
    """The RCP statements of one intermediate account, in a stable order."""
    return [
        identity_perimeter(organization_id, trusted_accounts, excluded_resources=excluded_resources),
        service_perimeter(organization_id, trusted_accounts),
        secure_transport(),
    ]


def quarantine_rcp_document(*, deployment_role_pattern: str, break_glass_role: str) -> dict[str, Any]:
    """The quarantine RCP's content: every principal but the two exempt roles is denied every
    action on the account's resources, so no resource or trust policy admits the vendor.

    AWS services acting in the account (S3 notifying a queue, a service using a key) are left
    alone; the quarantine SCP already stops every principal of the account from starting anything.
    """
    for name, value in (("deployment_role_pattern", deployment_role_pattern), ("break_glass_role", break_glass_role)):
        if not value.startswith("arn:") or ":role/" not in value:
            raise ValueError(f"{name} '{value}' is not an IAM role ARN pattern; write e.g. 'arn:aws:iam::*:role/x'")
    statement: Statement = {
        "Sid": "AirlockQuarantineResources",
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(RCP_SERVICE_ACTIONS),
        "Resource": "*",
        "Condition": {
            "ArnNotLike": {"aws:PrincipalARN": [deployment_role_pattern, break_glass_role]},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


class QuarantineResourcePolicy(Construct):
    """The kill switch's resource half: an RCP denying the account's resources to everyone but
    the exempt roles (and AWS services acting in the account).

    The policy always exists, so suspending an integration is only an attachment change;
    ``target_ids`` are the accounts to quarantine now (default: none). ``policy`` is the
    ``AWS::Organizations::Policy`` of type ``RESOURCE_CONTROL_POLICY``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        deployment_role_pattern: str,
        break_glass_role: str,
        target_ids: Sequence[str] = (),
        name: str = QUARANTINE_RCP_NAME,
    ) -> None:
        super().__init__(scope, id)
        document = quarantine_rcp_document(
            deployment_role_pattern=deployment_role_pattern, break_glass_role=break_glass_role
        )
        self.policy = organizations.CfnPolicy(
            self,
            "Resource",
            name=name,
            type="RESOURCE_CONTROL_POLICY",
            description="saas-airlock kill switch (resources): denies every principal but the break-glass and "
            "deployment roles access to the account's resources",
            content=document,
            target_ids=list(target_ids) or None,
        )
