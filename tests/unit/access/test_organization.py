"""SCPs along the OU path, RCPs on the resource's account, VPC endpoint policies."""

from __future__ import annotations

from airlock.access.evaluate import RCP_SERVICES
from airlock.access.model import Principal, Verdict
from tests.unit.access.helpers import (
    ACCOUNT,
    BUCKET,
    FULL_ACCESS,
    OBJECT,
    OUTSIDER,
    QUEUE,
    ROLE,
    ROOT,
    allow,
    decide,
    deny,
    identity,
    policy,
    request,
)

SCP_EVAL = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html"
RCPS = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html"
ENDPOINTS = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html"
ADMIN = identity(allow(), name="admin")
IGW = request(ROLE, "ec2:CreateInternetGateway", "*")


def scp(*statements: dict[str, object], name: str) -> object:
    return policy("scp", *statements, name=name)


def test_an_scp_allow_is_needed_at_every_level() -> None:
    """SCP_EVAL: "For a permission to be allowed for a specific account, there must be an
    explicit Allow statement at every level from the root through each OU in the direct path
    to the account (including the target account itself)." """
    ec2_only = scp(allow("ec2:*"), name="ou-ec2-only")
    levels = ((FULL_ACCESS,), (ec2_only,), (FULL_ACCESS,))
    assert decide(IGW, identity=(ADMIN,), scps=levels).allowed
    get = decide(request(ROLE, "s3:GetObject", OBJECT), identity=(ADMIN,), scps=levels)
    assert get.denied
    assert get.reason == "denied: no SCP attached at OU level 1 allows it (SCP 'ou-ec2-only')"
    assert [source.name for source in get.deciding] == ["ou-ec2-only"]


def test_a_level_without_any_allow_denies_even_when_others_allow() -> None:
    """SCP_EVAL: "If there is no allow statement in the SCP at any of the levels such as Root,
    Production OU or Account B, the access is denied." """
    narrow = scp(allow("s3:*"), name="account-s3")
    decision = decide(IGW, identity=(ADMIN,), scps=((FULL_ACCESS,), (narrow,)))
    assert decision.reason == "denied: no SCP attached at the account allows it (SCP 'account-s3')"


def test_an_scp_deny_at_any_level_denies() -> None:
    """SCP_EVAL (how SCPs and Deny work): a Deny at any level applies to every account below it."""
    guard = scp(
        allow(),
        deny(["ec2:CreateInternetGateway", "ec2:AttachInternetGateway"], Sid="AirlockDenyInternetGateway"),
        name="airlock-ou-x-1",
    )
    decision = decide(IGW, identity=(ADMIN,), scps=((FULL_ACCESS, guard), (FULL_ACCESS,)))
    assert decision.reason == "denied: explicit deny in SCP 'airlock-ou-x-1' statement AirlockDenyInternetGateway"


def test_an_scp_exemption_by_principal_arn() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn:
    "For IAM roles, the request context returns the ARN of the role, not the ARN of the user
    that assumed the role." -- the evaluator derives it from the principal."""
    guard = scp(
        allow(),
        deny(
            "ec2:CreateInternetGateway",
            Condition={"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/airlock-break-glass"}},
        ),
        name="guard",
    )
    glass = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/airlock-break-glass")
    assert decide(request(glass, "ec2:CreateInternetGateway"), identity=(ADMIN,), scps=((guard,),)).allowed
    assert decide(IGW, identity=(ADMIN,), scps=((guard,),)).denied


def test_scps_limit_the_member_accounts_root_user() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html:
    "The SCP maximum applies to principals in member accounts, including each AWS account root
    user." """
    narrow = scp(allow("s3:*"), name="s3-only")
    assert decide(request(ROOT, "ec2:CreateInternetGateway"), scps=((narrow,),)).denied


def test_none_means_scps_do_not_apply() -> None:
    """SCPs do not apply to the management account
    (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html:
    "SCPs don't affect users or roles in the management account.")."""
    assert decide(IGW, identity=(ADMIN,), scps=None).allowed


def test_scps_do_not_restrict_service_linked_roles() -> None:
    """https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html:
    "SCPs don't affect service-linked roles." """
    linked = Principal(f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/x", "role", ACCOUNT, service_linked=True)
    nothing = scp(deny(), name="deny-all")
    assert decide(request(linked, "ec2:CreateInternetGateway"), identity=(ADMIN,), scps=((nothing,),)).allowed


PERIMETER = policy(
    "rcp",
    {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
    {
        "Sid": "EnforceOrgIdentities",
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*", "sqs:*"],
        "Resource": "*",
        "Condition": {
            "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"},
            "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
        },
    },
    name="perimeter",
)


def test_an_rcp_deny_limits_principals_outside_the_organization() -> None:
    """RCPS: "Use an RCP when you need to restrict IAM principals that are external to your
    organization accounts making requests to access resources within your organization's
    member accounts." """
    public = policy("resource", allow("s3:GetObject", f"{BUCKET}/*", Principal="*"))
    outsider = request(OUTSIDER, "s3:GetObject", OBJECT, aws__PrincipalOrgID="o-other")
    insider = request(OUTSIDER, "s3:GetObject", OBJECT, aws__PrincipalOrgID="o-abc123")
    common = {"resource": public, "resource_account": ACCOUNT, "external_identity": True, "rcps": ((PERIMETER,),)}
    assert decide(outsider, **common).reason.endswith("statement EnforceOrgIdentities")
    assert decide(insider, **common).allowed


def test_rcps_apply_only_to_the_services_that_support_them() -> None:
    """RCPS: RCPs apply to a documented list of services (S3, STS, KMS, SQS, Secrets Manager
    and later additions); for others they do not apply."""
    assert {"s3", "sts", "kms", "sqs", "secretsmanager"} <= RCP_SERVICES
    assert "sns" not in RCP_SERVICES
    deny_all = policy("rcp", {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}, name="deny-all")
    topic = f"arn:aws:sns:eu-central-1:{ACCOUNT}:alarms"
    publish = request(ROLE, "sns:Publish", topic)
    assert decide(publish, identity=(ADMIN,), rcps=((deny_all,),)).allowed
    assert decide(request(ROLE, "sqs:SendMessage", QUEUE), identity=(ADMIN,), rcps=((deny_all,),)).denied


def test_an_rcp_level_without_an_allow_denies() -> None:
    """RCPS: the RCPFullAWSAccess "policy is automatically attached to the organization root,
    every OU, and every account"; a level without an allow denies, as for SCPs."""
    only_deny = policy("rcp", {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}, name="r")
    decision = decide(request(ROLE, "s3:GetObject", OBJECT), identity=(ADMIN,), rcps=((only_deny,),))
    assert decision.denied
    assert "no RCP attached" in decision.reason


ENDPOINT_POLICY = policy(
    "endpoint",
    {
        "Sid": "OrgToOwnResources",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123", "aws:ResourceAccount": [ACCOUNT]}},
    },
    name="s3-endpoint",
)


def test_the_endpoint_policy_must_allow_a_request_that_passes_it() -> None:
    """ENDPOINTS: "An endpoint policy is a resource-based policy that you attach to a VPC
    endpoint to control which AWS principals can use the endpoint to access an AWS service." """
    inside = request(ROLE, "s3:GetObject", OBJECT, aws__PrincipalOrgID="o-abc123", aws__ResourceAccount=ACCOUNT)
    elsewhere = request(
        ROLE, "s3:GetObject", OBJECT, aws__PrincipalOrgID="o-abc123", aws__ResourceAccount="999999999999"
    )
    assert decide(inside, identity=(ADMIN,), endpoint=ENDPOINT_POLICY).allowed
    decision = decide(elsewhere, identity=(ADMIN,), endpoint=ENDPOINT_POLICY)
    assert decision.reason == "denied: no statement of the endpoint policy 's3-endpoint' allows it"


def test_an_endpoint_policy_never_grants_by_itself() -> None:
    """ENDPOINTS: "An endpoint policy does not override or replace identity-based policies or
    resource-based policies." """
    inside = request(ROLE, "s3:GetObject", OBJECT, aws__PrincipalOrgID="o-abc123", aws__ResourceAccount=ACCOUNT)
    assert decide(inside, endpoint=ENDPOINT_POLICY).denied


def test_an_account_principal_in_an_endpoint_policy_is_undecided_for_roles() -> None:
    """ENDPOINTS (gateway endpoints): "If you specify the principal in the following format,
    access is granted to the AWS account root user only, and not all users and roles for the
    account." -- documented for gateway endpoints only, so the model does not decide it."""
    by_account = policy("endpoint", {**allow(), "Principal": {"AWS": ACCOUNT}}, name="e")
    decision = decide(request(ROLE, "s3:GetObject", OBJECT), identity=(ADMIN,), endpoint=by_account)
    assert decision.verdict is Verdict.UNDECIDED
    assert decide(request(ROOT, "s3:GetObject", OBJECT), endpoint=by_account).allowed
