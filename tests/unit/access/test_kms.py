"""KMS key policies: always required, delegation to IAM through the account principal,
cross-account use."""

from __future__ import annotations

from typing import Any

from airlock.access.evaluate import evaluate
from airlock.access.model import Decision, PolicySet, Request
from tests.unit.access.helpers import (
    ACCOUNT,
    KEY,
    OTHER,
    OUTSIDER,
    ROLE,
    ROLE_ARN,
    ROOT,
    S3,
    allow,
    identity,
    policy,
    request,
)

DEFAULT = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
EXTERNAL = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html"
DECRYPT = request(ROLE, "kms:Decrypt", KEY)
ROOT_STATEMENT = {
    "Sid": "EnableIAM",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
ROLE_CAN_DECRYPT = identity(allow("kms:Decrypt", KEY), name="role-policy")


def key_policy(*statements: dict[str, Any]) -> Any:
    return policy("key", *statements, name="buffer-key")


def decide(req: Request, key: Any, **more: Any) -> Decision:
    return evaluate(req, PolicySet(resource=key, resource_account=ACCOUNT, key_policy=True, **more))


def test_the_root_statement_delegates_to_the_accounts_iam_policies() -> None:
    """DEFAULT: "It allows the account to use IAM policies to allow access to the KMS key, in
    addition to the key policy." """
    assert decide(DECRYPT, key_policy(ROOT_STATEMENT), identity=(ROLE_CAN_DECRYPT,)).allowed


def test_the_root_statement_grants_no_role_by_itself() -> None:
    """DEFAULT: "When the principal in a key policy statement is the account principal, the
    policy statement doesn't give any IAM users or roles permission to use the KMS key." """
    decision = decide(DECRYPT, key_policy(ROOT_STATEMENT))
    assert decision.denied
    assert "no identity policy" in decision.reason


def test_without_delegation_iam_policies_are_ineffective() -> None:
    """DEFAULT: "Without this permission, IAM policies that allow access to the key are
    ineffective, although IAM policies that deny access to the key are still effective." """
    admins_only = key_policy({**allow("kms:Put*"), "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"}})
    decision = decide(DECRYPT, admins_only, identity=(identity(allow("kms:*")),))
    assert decision.denied
    assert "key policy 'buffer-key'" in decision.reason


def test_iam_denies_stay_effective_without_delegation() -> None:
    """DEFAULT: "... although IAM policies that deny access to the key are still effective." """
    names_role = key_policy({**allow("kms:Decrypt"), "Principal": {"AWS": ROLE_ARN}})
    denied = identity({"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Sid": "NoDecrypt"})
    assert decide(DECRYPT, names_role).allowed
    assert decide(DECRYPT, names_role, identity=(denied,)).reason.endswith("statement NoDecrypt")


def test_the_key_policy_is_always_required() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html:
    "IAM role trust policies and KMS key policies are exceptions to this logic, because they
    must explicitly allow access for principals." """
    decision = evaluate(
        DECRYPT, PolicySet(identity=(identity(allow("kms:*")),), key_policy=True, resource_account=ACCOUNT)
    )
    assert decision.denied


def test_the_key_policy_does_not_automatically_admit_the_root_user() -> None:
    """DEFAULT: "Unlike other AWS resource policies, an AWS KMS key policy does not
    automatically give permission to the account or any of its users." """
    root_decrypt = request(ROOT, "kms:Decrypt", KEY)
    assert decide(root_decrypt, key_policy({**allow("kms:Decrypt"), "Principal": {"AWS": ROLE_ARN}})).denied
    assert decide(root_decrypt, key_policy(ROOT_STATEMENT)).allowed


def test_cross_account_needs_key_policy_and_the_callers_iam_policy() -> None:
    """EXTERNAL: "The key policy determines who can have access to the KMS key. The IAM policy
    determines who does have access to the KMS key. Neither the key policy nor the IAM policy
    alone is sufficient—you must change both." """
    vendor_decrypt = request(OUTSIDER, "kms:Decrypt", KEY)
    admits_account = key_policy(ROOT_STATEMENT, {**allow("kms:Decrypt"), "Principal": {"AWS": OTHER}})
    vendor_policy = identity(allow("kms:Decrypt", KEY), name="vendor")
    assert decide(vendor_decrypt, admits_account).denied
    assert decide(vendor_decrypt, key_policy(ROOT_STATEMENT), identity=(vendor_policy,)).denied
    assert decide(vendor_decrypt, admits_account, identity=(vendor_policy,)).allowed


def test_cross_account_only_some_operations_work() -> None:
    """EXTERNAL: "If you give a user in a different account permission for other operations,
    those permissions have no effect." """
    everything = key_policy({**allow("kms:*"), "Principal": {"AWS": OTHER}})
    vendor_policy = identity(allow("kms:*"), name="vendor")
    schedule = decide(request(OUTSIDER, "kms:ScheduleKeyDeletion", KEY), everything, identity=(vendor_policy,))
    assert schedule.denied
    assert "across accounts" in schedule.reason
    assert decide(request(OUTSIDER, "kms:GenerateDataKey", KEY), everything, identity=(vendor_policy,)).allowed


def test_a_service_principal_needs_the_key_policy_to_name_it() -> None:
    """DEFAULT: "To give permission to any principal, including the account principal, you
    must use a key policy statement that provides the permission explicitly." """
    generate = request(S3, "kms:GenerateDataKey", KEY)
    with_service = key_policy(
        ROOT_STATEMENT, {**allow(["kms:GenerateDataKey", "kms:Decrypt"]), "Principal": {"Service": "s3.amazonaws.com"}}
    )
    assert decide(generate, key_policy(ROOT_STATEMENT)).denied
    assert decide(generate, with_service).allowed
