"""Policy evaluation within one account: default deny, explicit deny, identity and resource
policies together, permissions boundaries, session policies.

Each test quotes the sentence of AWS's documentation it encodes.
"""

from __future__ import annotations

from airlock.access.model import Verdict
from tests.unit.access.helpers import (
    ACCOUNT,
    BUCKET,
    OBJECT,
    ROLE,
    ROLE_ARN,
    ROOT,
    USER,
    allow,
    decide,
    deny,
    identity,
    policy,
    request,
)

DENYALLOW = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html"
)
BASICS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html"
BOUNDARIES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
PRINCIPAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
GET = request(ROLE, "s3:GetObject", OBJECT)


def bucket_policy(*statements: dict[str, object]) -> object:
    return policy("resource", *statements, name="data-bucket-policy")


def test_every_request_is_implicitly_denied_by_default() -> None:
    """DENYALLOW: "By default, all requests are implicitly denied with the exception of the AWS
    account root user, which has full access." """
    decision = decide(GET)
    assert decision.verdict is Verdict.DENY
    assert "no identity policy" in decision.reason


def test_the_root_user_needs_no_policy() -> None:
    """DENYALLOW: "... with the exception of the AWS account root user, which has full access." """
    assert decide(request(ROOT, "s3:GetObject", OBJECT)).allowed


def test_an_identity_policy_allow_allows() -> None:
    """DENYALLOW: "If any statement in any applicable identity-based policies allows the
    requested action, the code continues." (and, with nothing else present, allows)."""
    decision = decide(GET, identity=(identity(allow("s3:GetObject", f"{BUCKET}/*", Sid="Read")),))
    assert decision.allowed
    assert decision.reason == "allowed: identity policy 'app-policy' statement Read"
    assert [source.sid for source in decision.deciding] == ["Read"]


def test_an_explicit_deny_overrides_any_allow() -> None:
    """DENYALLOW: "An explicit deny in any policy overrides any allows." """
    policies = identity(allow("s3:*", "*"), deny("s3:GetObject", f"{BUCKET}/in/*", Sid="NoIn"))
    decision = decide(GET, identity=(policies,))
    assert decision.denied
    assert decision.reason == "denied: explicit deny in identity policy 'app-policy' statement NoIn"


def test_an_explicit_deny_in_the_resource_policy_overrides_an_identity_allow() -> None:
    """BASICS: "An explicit deny in any of the policies overrides the allow." """
    bucket = bucket_policy(deny("s3:GetObject", f"{BUCKET}/*", Principal="*", Sid="Closed"))
    decision = decide(GET, identity=(identity(allow("s3:*")),), resource=bucket, resource_account=ACCOUNT)
    assert decision.denied
    assert "resource policy 'data-bucket-policy' statement Closed" in decision.reason


def test_same_account_resource_policy_alone_allows_the_user_it_names() -> None:
    """BASICS: "If either the identity-based policy or the resource-based policy within the
    same account allows the request and the other doesn't, the request is still allowed." """
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": USER.arn}, Sid="Bob"))
    decision = decide(request(USER, "s3:GetObject", OBJECT), resource=bucket, resource_account=ACCOUNT)
    assert decision.allowed
    assert "statement Bob" in decision.reason


def test_same_account_identity_policy_alone_allows_when_the_resource_policy_is_silent() -> None:
    """BASICS: "If either the identity-based policy or the resource-based policy within the
    same account allows the request and the other doesn't, the request is still allowed." """
    bucket = bucket_policy(allow("s3:PutObject", f"{BUCKET}/*", Principal={"AWS": USER.arn}))
    decision = decide(
        request(USER, "s3:GetObject", OBJECT),
        identity=(identity(allow("s3:GetObject", f"{BUCKET}/*")),),
        resource=bucket,
        resource_account=ACCOUNT,
    )
    assert decision.allowed


def test_a_grant_to_the_session_arn_is_not_limited_by_boundary_or_session_policy() -> None:
    """DENYALLOW: "Permissions granted directly to a session are not limited by an implicit
    deny in an identity-based policy, a permissions boundary, or session policy." """
    assert ROLE.session_arn is not None
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE.session_arn}))
    boundary = policy("boundary", allow("sqs:*"), name="boundary")
    session = policy("session", allow("sqs:*"), name="session")
    decision = decide(GET, resource=bucket, resource_account=ACCOUNT, boundary=boundary, session=session)
    assert decision.allowed


def test_a_grant_to_the_role_arn_is_limited_by_the_permissions_boundary() -> None:
    """DENYALLOW: "Resource-based policies that grant permissions to an IAM role ARN are
    limited by an implicit deny in a permissions boundary or session policy." """
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE_ARN}))
    boundary = policy("boundary", allow("sqs:*"), name="app-boundary")
    decision = decide(GET, resource=bucket, resource_account=ACCOUNT, boundary=boundary)
    assert decision.denied
    assert "permissions boundary 'app-boundary'" in decision.reason


def test_a_grant_to_the_role_arn_is_limited_by_the_session_policy() -> None:
    """DENYALLOW: "Resource-based policies that grant permissions to an IAM role ARN are
    limited by an implicit deny in a permissions boundary or session policy." """
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE_ARN}))
    session = policy("session", allow("sqs:*"), name="narrow-session")
    decision = decide(GET, resource=bucket, resource_account=ACCOUNT, session=session)
    assert decision.denied
    assert "session policy 'narrow-session'" in decision.reason


def test_a_grant_to_the_role_arn_needs_no_identity_policy() -> None:
    """DENYALLOW: role ARN grants are limited by "a permissions boundary or session policy"
    only; the identity policy is not needed: "For most resources, you only need an explicit
    allow for the principal in either an identity-based policy or a resource-based policy"."""
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE_ARN}))
    boundary = policy("boundary", allow("s3:*"), name="app-boundary")
    assert decide(GET, resource=bucket, resource_account=ACCOUNT, boundary=boundary).allowed


def test_a_grant_to_the_user_arn_is_not_limited_by_the_permissions_boundary() -> None:
    """BOUNDARIES: "Within the same account, resource-based policies that grant permissions to
    an IAM user ARN (that is not a federated user session) are not limited by an implicit deny
    in an identity-based policy or permissions boundary." """
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": USER.arn}))
    boundary = policy("boundary", allow("sqs:*"), name="user-boundary")
    decision = decide(
        request(USER, "s3:GetObject", OBJECT), resource=bucket, resource_account=ACCOUNT, boundary=boundary
    )
    assert decision.allowed


def test_a_grant_to_the_account_delegates_to_the_accounts_identity_policies() -> None:
    """PRINCIPAL: "The account ARN and the shortened account ID behave the same way. Both
    delegate permissions to the account." -- the role still needs its own identity policy."""
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ACCOUNT}))
    assert decide(GET, resource=bucket, resource_account=ACCOUNT).denied
    with_identity = decide(GET, identity=(identity(allow("s3:GetObject")),), resource=bucket, resource_account=ACCOUNT)
    assert with_identity.allowed


def test_a_wildcard_principal_grants_principals_of_the_account_without_other_permissions() -> None:
    """PRINCIPAL: "For IAM users and role principals within your account, no other
    permissions are required." """
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal="*"))
    assert decide(GET, resource=bucket, resource_account=ACCOUNT).allowed


def test_the_boundary_intersects_identity_permissions() -> None:
    """BOUNDARIES: "An entity's permissions boundary allows it to perform only the actions that
    are allowed by both its identity-based policies and its permissions boundaries." """
    boundary = policy("boundary", allow("sqs:*"), name="app-boundary")
    decision = decide(GET, identity=(identity(allow("s3:*")),), boundary=boundary)
    assert decision.denied
    assert decision.reason == "denied: no statement of the permissions boundary 'app-boundary' allows it"
    inside = decide(GET, identity=(identity(allow("s3:*")),), boundary=policy("boundary", allow("s3:Get*")))
    assert inside.allowed


def test_an_explicit_deny_in_the_boundary_overrides_the_identity_allow() -> None:
    """BOUNDARIES: "An explicit deny in either of these policies overrides the allow." """
    boundary = policy("boundary", allow(), deny("s3:GetObject", Sid="NoGet"), name="b")
    decision = decide(GET, identity=(identity(allow()),), boundary=boundary)
    assert decision.reason == "denied: explicit deny in permissions boundary 'b' statement NoGet"


def test_the_session_policy_intersects_identity_permissions() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session:
    "the resulting session's permissions are the intersection of the IAM entity's
    identity-based policy and the session policies." """
    session = policy("session", allow("sqs:*"), name="session")
    assert decide(GET, identity=(identity(allow()),), session=session).denied
    assert decide(GET, identity=(identity(allow()),), session=policy("session", allow("s3:GetObject"))).allowed


def test_a_session_policy_does_not_apply_to_a_user() -> None:
    """DENYALLOW: "If the principal is not a session principal, the enforcement code returns a
    final decision of Allow." (session policies exist for role sessions)."""
    session = policy("session", allow("sqs:*"), name="session")
    user_get = request(USER, "s3:GetObject", OBJECT)
    assert decide(user_get, identity=(identity(allow()),), session=session).allowed


def test_identity_explicit_deny_beats_a_direct_resource_grant() -> None:
    """DENYALLOW: "If the enforcement code finds even one explicit deny that applies, the code
    returns a final decision of Deny." """
    bucket = bucket_policy(allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": USER.arn}))
    policies = identity(deny("s3:*", Sid="NoS3"))
    decision = decide(
        request(USER, "s3:GetObject", OBJECT), identity=(policies,), resource=bucket, resource_account=ACCOUNT
    )
    assert decision.denied
    assert "statement NoS3" in decision.reason


def test_an_unreadable_allow_is_harmless_when_another_allow_applies() -> None:
    """Three-valued: one Allow that applies is enough; an unreadable one cannot change that."""
    policies = identity({"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Ref": "B"}}, allow("s3:GetObject"))
    assert decide(GET, identity=(policies,)).allowed


def test_an_unreadable_allow_is_harmless_when_a_boundary_denies() -> None:
    """BOUNDARIES: the boundary must allow as well; if it does not, no identity statement can
    change the verdict."""
    policies = identity({"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Ref": "B"}})
    decision = decide(GET, identity=(policies,), boundary=policy("boundary", allow("sqs:*"), name="b"))
    assert decision.denied
    assert "permissions boundary 'b'" in decision.reason


def test_an_unreadable_deny_is_harmless_when_nothing_allows() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html:
    "An implicit denial occurs when there is no applicable Deny statement but also no
    applicable Allow statement." -- whatever the unreadable Deny says, it is denied."""
    policies = identity({"Effect": "Deny", "Action": "s3:GetObject", "Resource": {"Ref": "B"}})
    assert decide(GET, identity=(policies,)).denied
