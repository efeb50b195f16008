"""Principal and NotPrincipal matching, NotAction and NotResource."""

from __future__ import annotations

from airlock.access.model import Principal, Verdict
from tests.unit.access.helpers import (
    ACCOUNT,
    BUCKET,
    OBJECT,
    OTHER,
    OUTSIDER,
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

NOT_PRINCIPAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
NOT_ACTION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
NOT_RESOURCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html"
EVERYTHING = identity(allow(), name="all")
OUTSIDER_GET = request(OUTSIDER, "s3:GetObject", OBJECT)


def guarded(*names: str) -> object:
    return policy(
        "resource",
        allow("s3:*", [BUCKET, f"{BUCKET}/*"], Principal="*"),
        deny("s3:*", [BUCKET, f"{BUCKET}/*"], NotPrincipal={"AWS": list(names)}, Sid="OnlyAudit"),
        name="audit-bucket",
    )


def decide_outsider(bucket: object, **more: object) -> object:
    return decide(OUTSIDER_GET, resource=bucket, resource_account=ACCOUNT, external_identity=True, **more)


def test_not_principal_deny_spares_a_session_listed_with_its_role_and_account() -> None:
    """NOT_PRINCIPAL: "the NotPrincipal element contains the ARN of the assumed-role user
    (cross-account-audit-app), the role (cross-account-read-only-role), and the AWS account
    that the role belongs to (444455556666)." """
    assert OUTSIDER.session_arn is not None
    spared = guarded(OUTSIDER.session_arn, OUTSIDER.arn, f"arn:aws:iam::{OTHER}:root")
    assert decide_outsider(spared).allowed


def test_not_principal_deny_denies_a_principal_it_does_not_list() -> None:
    """NOT_PRINCIPAL: "the actions specified in the policy statement are explicitly denied to
    all principals except for the ones specified." """
    decision = decide_outsider(guarded(ROLE_ARN, f"arn:aws:iam::{ACCOUNT}:root"))
    assert decision.reason.endswith("statement OnlyAudit")


def test_not_principal_deny_listing_only_some_identities_is_undecided() -> None:
    """NOT_PRINCIPAL: "If the NotPrincipal element was missing the ARN of the role, the effect
    of the policy might be to explicitly deny access to the role." -- "might" is not a rule
    the model can apply, so it does not decide."""
    assert OUTSIDER.session_arn is not None
    decision = decide_outsider(guarded(OUTSIDER.session_arn, f"arn:aws:iam::{OTHER}:root"))
    assert decision.verdict is Verdict.UNDECIDED
    assert "OnlyAudit" in decision.reason


def test_not_principal_deny_always_denies_a_principal_with_a_boundary() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html: "The
    NotPrincipal element with a Deny effect will always deny any IAM principal that has a
    permissions boundary policy attached, regardless of the values specified in the
    NotPrincipal element." """
    assert OUTSIDER.session_arn is not None
    spared = guarded(OUTSIDER.session_arn, OUTSIDER.arn, f"arn:aws:iam::{OTHER}:root")
    assert decide_outsider(spared, boundary=policy("boundary", allow(), name="b")).denied


def test_not_principal_allow_grants_everyone_else() -> None:
    """NOT_PRINCIPAL: "Doing so allows all principals except the one named in the NotPrincipal
    element." """
    open_but_bob = policy(
        "resource",
        allow("s3:GetObject", f"{BUCKET}/*", NotPrincipal={"AWS": [USER.arn, f"arn:aws:iam::{ACCOUNT}:root"]}),
    )
    assert (
        decide(request(ROLE, "s3:GetObject", OBJECT), resource=open_but_bob, resource_account=ACCOUNT).verdict
        is Verdict.UNDECIDED
    )
    assert decide(request(USER, "s3:GetObject", OBJECT), resource=open_but_bob, resource_account=ACCOUNT).denied
    assert decide(request(S3, "s3:GetObject", OBJECT), resource=open_but_bob, resource_account=ACCOUNT).allowed


def test_a_role_arn_principal_matches_the_roles_sessions_only() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    "When they use those session credentials to perform operations in AWS, they become a role
    session principal." -- a role ARN names that role's sessions, not other roles."""
    bucket = policy("resource", allow("s3:GetObject", f"{BUCKET}/*", Principal={"AWS": ROLE_ARN}))
    other = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/app-2")
    assert decide(request(ROLE, "s3:GetObject", OBJECT), resource=bucket, resource_account=ACCOUNT).allowed
    assert decide(request(other, "s3:GetObject", OBJECT), resource=bucket, resource_account=ACCOUNT).denied


def test_a_service_principal_matches_only_its_service() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services:
    "The identifier for a service principal includes the service name" -- another service
    does not match."""
    bucket = policy(
        "resource", allow("s3:PutObject", f"{BUCKET}/*", Principal={"Service": ["logging.s3.amazonaws.com"]})
    )
    logger = Principal.service("logging.s3.amazonaws.com")
    assert decide(request(logger, "s3:PutObject", OBJECT), resource=bucket, resource_account=ACCOUNT).allowed
    assert decide(request(S3, "s3:PutObject", OBJECT), resource=bucket, resource_account=ACCOUNT).denied
    assert decide(request(ROLE, "s3:PutObject", OBJECT), resource=bucket, resource_account=ACCOUNT).denied


def test_not_action_with_allow_allows_everything_else() -> None:
    """NOT_ACTION: "all of the applicable actions or services that are not listed are allowed
    if you use the Allow effect." """
    no_iam = identity({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide(request(ROLE, "s3:GetObject", OBJECT), identity=(no_iam,)).allowed
    assert decide(request(ROLE, "iam:CreateRole", "*"), identity=(no_iam,)).denied


def test_not_action_with_deny_denies_everything_else() -> None:
    """NOT_ACTION: "such unlisted actions or services are denied if you use the Deny effect." """
    only_s3 = identity(allow(), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*", "Sid": "S3Only"})
    assert decide(request(ROLE, "s3:GetObject", OBJECT), identity=(only_s3,)).allowed
    assert decide(request(ROLE, "sqs:SendMessage", "*"), identity=(only_s3,)).reason.endswith("statement S3Only")


def test_actions_match_case_insensitively() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html:
    "The prefix and the action name are case insensitive." """
    mixed = identity({"Effect": "Allow", "Action": "S3:getobject", "Resource": "*"})
    assert decide(request(ROLE, "s3:GetObject", OBJECT), identity=(mixed,)).allowed


def test_not_resource_with_deny_denies_every_other_resource() -> None:
    """NOT_RESOURCE: "The following policy explicitly denies access to all Amazon S3 resources
    other than the listed resources." """
    payroll = identity(
        allow(),
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
        },
    )
    assert decide(request(ROLE, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x"), identity=(payroll,)).allowed
    assert decide(request(ROLE, "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"), identity=(payroll,)).denied


def test_not_resource_with_allow_allows_every_other_resource() -> None:
    """NOT_RESOURCE: "NotResource is an advanced policy element that explicitly matches every
    resource except those specified." """
    but_secrets = identity({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secrets/*"})
    assert decide(request(ROLE, "s3:GetObject", OBJECT), identity=(but_secrets,)).allowed
    assert decide(request(ROLE, "s3:GetObject", "arn:aws:s3:::secrets/k"), identity=(but_secrets,)).denied


def test_resource_wildcards_stay_within_an_arn_segment() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html:
    "You can use wildcard characters (* and ?) within ARN segments (the parts separated by
    colons)"; "The asterisk (*) character can expand to replace everything within a segment,
    including characters like a forward slash (/)"."""
    queues = identity(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:buf*"))
    assert decide(
        request(ROLE, "sqs:SendMessage", "arn:aws:sqs:eu-central-1:111122223333:buffer"), identity=(queues,)
    ).allowed
    assert decide(
        request(ROLE, "sqs:SendMessage", "arn:aws:sqs:eu-central-1:999999999999:buffer"), identity=(queues,)
    ).denied
    spanning = identity(allow("sqs:SendMessage", "arn:aws:sqs:*:buffer"))
    assert spanning.statements[0].unknown is not None  # not ARN-shaped: five colons are needed
    objects = identity(allow("s3:GetObject", "arn:aws:s3:::data/*/file.csv"))
    assert decide(request(ROLE, "s3:GetObject", OBJECT), identity=(objects,)).allowed
