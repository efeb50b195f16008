"""Cross-account requests, role trust policies, service principals, anonymous callers and
principals whose identity policies lie outside the assembly."""

from __future__ import annotations

from airlock.access.model import Principal, Verdict
from tests.unit.access.helpers import (
    ACCOUNT,
    ANONYMOUS,
    BUCKET,
    OBJECT,
    OTHER,
    OUTSIDER,
    QUEUE,
    ROLE,
    ROLE_ARN,
    S3,
    USER,
    allow,
    decide,
    deny,
    identity,
    policy,
    request,
)

CROSS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html"
ASSUME_ROLE = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
TRUST_UPDATE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-role-trust-policy.html"
PRINCIPAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
PUT = request(OUTSIDER, "s3:PutObject", OBJECT)
VENDOR_POLICY = identity(allow("s3:PutObject", f"{BUCKET}/*"), name="vendor-policy")


def bucket(*statements: dict[str, object]) -> object:
    return policy("resource", *statements, name="drop-zone")


def test_cross_account_needs_the_resource_policy_to_admit_the_principal() -> None:
    """CROSS: "the resource-based policy in AccountB must allow the requester in AccountA to
    access the resource." """
    decision = decide(
        PUT, identity=(VENDOR_POLICY,), resource=bucket(allow("s3:GetObject", Principal="*")), resource_account=ACCOUNT
    )
    assert decision.denied
    assert "no statement of the resource policy 'drop-zone' admits" in decision.reason


def test_cross_account_without_any_resource_policy_is_denied() -> None:
    """CROSS: "To allow cross-account access, you attach a resource-based policy to the
    resource that you want to share." """
    decision = decide(PUT, identity=(VENDOR_POLICY,), resource_account=ACCOUNT)
    assert decision.verdict is Verdict.DENY
    assert "no resource-based policy admits" in decision.reason


def test_cross_account_needs_the_identity_policy_too() -> None:
    """CROSS: "For cross-account requests, the requester in the trusted AccountA must have an
    identity-based policy. That policy must allow them to make a request to the resource in
    the trusting AccountB." """
    admitted = bucket(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": OUTSIDER.arn}))
    assert decide(PUT, resource=admitted, resource_account=ACCOUNT).denied
    assert decide(PUT, identity=(VENDOR_POLICY,), resource=admitted, resource_account=ACCOUNT).allowed


def test_cross_account_an_account_principal_admits_the_accounts_roles() -> None:
    """CROSS: "You can specify the entire account or its IAM users, AWS STS federated user
    principals, IAM roles, or assumed-role sessions." """
    admitted = bucket(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}))
    assert decide(PUT, identity=(VENDOR_POLICY,), resource=admitted, resource_account=ACCOUNT).allowed


def test_cross_account_the_principals_boundary_still_applies() -> None:
    """CROSS: "When AWS evaluates this account, it checks the identity-based policy and any
    policies that can limit an identity-based policy." """
    admitted = bucket(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": OUTSIDER.arn}))
    boundary = policy("boundary", allow("sqs:*"), name="vendor-boundary")
    decision = decide(PUT, identity=(VENDOR_POLICY,), boundary=boundary, resource=admitted, resource_account=ACCOUNT)
    assert decision.denied
    assert "vendor-boundary" in decision.reason


def test_cross_account_a_wildcard_principal_is_not_enough_alone() -> None:
    """PRINCIPAL: "For principals in other accounts, they must also have identity-based
    permissions in their account that allow them to access your resource." """
    public = bucket(allow("s3:PutObject", f"{BUCKET}/*", Principal="*"))
    assert decide(PUT, resource=public, resource_account=ACCOUNT).denied


def test_an_unknown_resource_account_is_undecided_when_it_matters() -> None:
    """CROSS: "AWS performs two evaluations" only across accounts; with the owner unknown the
    model cannot tell which rule applies, and says so instead of guessing."""
    admitted = bucket(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": OUTSIDER.arn}))
    decision = decide(PUT, resource=admitted)
    assert decision.verdict is Verdict.UNDECIDED
    assert "unknown" in decision.reason
    # Both rules agree here, so the answer is decided:
    assert decide(PUT, identity=(VENDOR_POLICY,), resource=admitted).allowed


def test_the_external_identity_is_assumed_and_recorded() -> None:
    """CROSS: both accounts must allow; a vendor's own identity policies are not in the
    assembly, so the model assumes them and records the assumption."""
    admitted = bucket(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": OUTSIDER.arn}))
    decision = decide(PUT, resource=admitted, resource_account=ACCOUNT, external_identity=True)
    assert decision.allowed
    assert decision.assumptions and OUTSIDER.arn in decision.assumptions[0]


TRUST = "sts:AssumeRole"
TARGET = f"arn:aws:iam::{ACCOUNT}:role/target"


def trust(*statements: dict[str, object]) -> object:
    return policy("trust", *statements, name="target-trust")


def assume(principal: Principal) -> object:
    return request(principal, TRUST, TARGET)


def trusting(principal: dict[str, object] | str) -> dict[str, object]:
    return {"Effect": "Allow", "Action": TRUST, "Principal": principal}


def test_a_role_trust_policy_must_allow_even_with_an_identity_allow() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html:
    "IAM role trust policies and KMS key policies are exceptions to this logic, because they
    must explicitly allow access for principals." """
    decision = decide(
        assume(ROLE),
        identity=(identity(allow(TRUST)),),
        resource=trust(trusting({"AWS": "arn:aws:iam::999999999999:root"})),
        resource_account=ACCOUNT,
    )
    assert decision.denied


def test_same_account_trust_naming_the_account_needs_the_callers_identity_policy() -> None:
    """ASSUME_ROLE: to assume a role in the same account, "Attach a policy to the user that
    allows the user to call AssumeRole (as long as the role's trust policy trusts the account)"."""
    account_trust = trust(trusting({"AWS": ACCOUNT}))
    assert decide(assume(USER), resource=account_trust, resource_account=ACCOUNT).denied
    allowed = decide(
        assume(USER), identity=(identity(allow(TRUST, TARGET)),), resource=account_trust, resource_account=ACCOUNT
    )
    assert allowed.allowed


def test_same_account_trust_naming_the_user_needs_no_identity_policy() -> None:
    """ASSUME_ROLE: "Add the user as a principal directly in the role's trust policy." """
    named = trust(trusting({"AWS": USER.arn}))
    assert decide(assume(USER), resource=named, resource_account=ACCOUNT).allowed


def test_same_account_trust_naming_the_user_is_limited_by_the_users_boundary() -> None:
    """TRUST_UPDATE: "If a user is listed as the principal in a role's trust policy but cannot
    assume the role, check the user's permissions boundary. If a permissions boundary is set
    for the user, then it must allow the sts:AssumeRole action." """
    named = trust(trusting({"AWS": USER.arn}))
    boundary = policy("boundary", allow("s3:*"), name="user-boundary")
    assert decide(assume(USER), resource=named, resource_account=ACCOUNT, boundary=boundary).denied


def test_same_account_trust_naming_the_role_is_limited_by_boundary() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    "When you specify a role principal in a resource-based policy, the effective permissions
    for the principal are limited by any policy types that limit permissions for the role."""
    named = trust(trusting({"AWS": ROLE_ARN}))
    assert decide(assume(ROLE), resource=named, resource_account=ACCOUNT).allowed
    boundary = policy("boundary", allow("s3:*"), name="role-boundary")
    assert decide(assume(ROLE), resource=named, resource_account=ACCOUNT, boundary=boundary).denied


def test_cross_account_assume_role_needs_trust_and_identity() -> None:
    """CROSS: "In IAM, you can attach a resource-based policy to an IAM role to allow
    principals in other accounts to assume that role." -- and their identity policy must
    allow it."""
    named = trust(trusting({"AWS": OUTSIDER.arn}))
    assert decide(assume(OUTSIDER), resource=named, resource_account=ACCOUNT).denied
    assert decide(assume(OUTSIDER), resource=named, resource_account=ACCOUNT, external_identity=True).allowed


def test_trust_applies_to_tag_session_and_source_identity_too() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html: "For roles
    without this permission in the trust policy, the AssumeRole operation fails." """
    only_assume = trust(trusting({"AWS": OUTSIDER.arn}))
    tag = request(OUTSIDER, "sts:TagSession", TARGET)
    assert decide(tag, resource=only_assume, resource_account=ACCOUNT, external_identity=True).denied
    both = trust({"Effect": "Allow", "Action": [TRUST, "sts:TagSession"], "Principal": {"AWS": OUTSIDER.arn}})
    assert decide(tag, resource=both, resource_account=ACCOUNT, external_identity=True).allowed


def test_a_trust_condition_on_the_external_id_decides() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html:
    "This Condition tests the ExternalId context key to ensure that it matches the unique
    customer ID from Example Corp." """
    guarded = trust(
        {**trusting({"AWS": OUTSIDER.arn}), "Condition": {"StringEquals": {"sts:ExternalId": "a1b2c3d4e5f6a7b8"}}}
    )
    right = request(OUTSIDER, TRUST, TARGET, sts__ExternalId="a1b2c3d4e5f6a7b8")
    wrong = request(OUTSIDER, TRUST, TARGET, sts__ExternalId="nope")
    assert decide(right, resource=guarded, resource_account=ACCOUNT, external_identity=True).allowed
    assert decide(wrong, resource=guarded, resource_account=ACCOUNT, external_identity=True).denied
    assert decide(assume(OUTSIDER), resource=guarded, resource_account=ACCOUNT, external_identity=True).denied


SQS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services"


def test_a_service_principal_is_admitted_only_by_a_resource_policy() -> None:
    """SQS: "You can specify AWS services in the Principal element of a resource-based policy";
    service principals have no identity policies, so only the resource policy can admit them."""
    send = request(S3, "sqs:SendMessage", QUEUE, aws__SourceArn=f"{BUCKET}")
    queue = policy(
        "resource",
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": QUEUE,
            "Principal": {"Service": "s3.amazonaws.com"},
            "Condition": {"ArnLike": {"aws:SourceArn": BUCKET}},
        },
        name="buffer-policy",
    )
    assert decide(send, resource=queue, resource_account=ACCOUNT).allowed
    assert decide(send, resource_account=ACCOUNT).denied
    other = policy("resource", {**allow("sqs:SendMessage", QUEUE), "Principal": {"Service": "sns.amazonaws.com"}})
    assert decide(send, resource=other, resource_account=ACCOUNT).denied


def test_scps_do_not_apply_to_service_principals() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html:
    "SCPs apply to principals of the account where the SCPs are attached." -- a service
    principal belongs to no member account."""
    queue = policy("resource", {**allow("sqs:SendMessage", QUEUE), "Principal": {"Service": "s3.amazonaws.com"}})
    nothing = policy("scp", deny("sqs:*"), name="deny-sqs")
    send = request(S3, "sqs:SendMessage", QUEUE)
    assert decide(send, resource=queue, resource_account=ACCOUNT, scps=((nothing,),)).allowed


def test_an_anonymous_caller_is_admitted_only_by_a_wildcard_principal() -> None:
    """PRINCIPAL: "For resource-based policies, using a wildcard (*) with an Allow effect
    grants access to all users, including anonymous users (public access)." """
    anonymous_get = request(ANONYMOUS, "s3:GetObject", OBJECT)
    public = policy("resource", allow("s3:GetObject", f"{BUCKET}/*", Principal="*"))
    account_only = policy("resource", allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ACCOUNT}))
    assert decide(anonymous_get, resource=public, resource_account=ACCOUNT).allowed
    assert decide(anonymous_get, resource=account_only, resource_account=ACCOUNT).denied


def test_federated_and_canonical_user_principals_never_match_an_iam_principal() -> None:
    """PRINCIPAL: "Federated" names an identity provider and "CanonicalUser" an S3 canonical
    id; neither is an IAM role or user of this model."""
    federated = policy("resource", allow("s3:GetObject", f"{BUCKET}/*", Principal={"Federated": "accounts.google.com"}))
    canonical = policy("resource", allow("s3:GetObject", f"{BUCKET}/*", Principal={"CanonicalUser": "79a59df9"}))
    get = request(ROLE, "s3:GetObject", OBJECT)
    assert decide(get, resource=federated, resource_account=ACCOUNT).denied
    assert decide(get, resource=canonical, resource_account=ACCOUNT).denied


def test_a_resource_policy_deny_for_everyone_but_named_roles() -> None:
    """PRINCIPAL: "The following example shows a resource-based policy that can be used
    instead of NotPrincipal With Deny to explicitly deny all principals except for the ones
    specified in the Condition element." """
    guarded = policy(
        "resource",
        allow("s3:*", [BUCKET, f"{BUCKET}/*"], Principal={"AWS": ACCOUNT}),
        deny(
            "s3:*", [BUCKET, f"{BUCKET}/*"], Principal="*", Condition={"ArnNotEquals": {"aws:PrincipalArn": ROLE_ARN}}
        ),
    )
    mine = decide(
        request(ROLE, "s3:GetObject", OBJECT), identity=(identity(allow()),), resource=guarded, resource_account=ACCOUNT
    )
    theirs = decide(
        request(USER, "s3:GetObject", OBJECT), identity=(identity(allow()),), resource=guarded, resource_account=ACCOUNT
    )
    assert mine.allowed
    assert theirs.denied


def test_a_trust_policy_decides_only_the_assume_role_family() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#term_trust-policy:
    a trust policy is "A JSON policy document in which you define the principals that you
    trust to assume the role." -- it neither grants nor denies other actions on the role."""
    blocking = trust(trusting({"AWS": OUTSIDER.arn}), {"Effect": "Deny", "Action": "*", "Principal": "*"})
    get_role = request(ROLE, "iam:GetRole", TARGET)
    assert decide(
        get_role, identity=(identity(allow("iam:GetRole")),), resource=blocking, resource_account=ACCOUNT
    ).allowed
    assert decide(assume(OUTSIDER), resource=blocking, resource_account=ACCOUNT, external_identity=True).denied
