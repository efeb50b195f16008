"""The vendor role, deployed into the emulator: the external ID guards AssumeRole.

What the emulator (moto 5.2) enforces, from its source (``moto/iam/access_control.py``,
``moto/iam/policy_conditions.py``, ``moto/iam/utils.py``):

* a role's trust policy is evaluated on ``sts:AssumeRole`` only while moto's IAM
  authorization is switched on (``INITIAL_NO_AUTH_ACTION_COUNT``); by default any caller
  may assume any role;
* even then the ``Principal`` is compared literally with the caller's ARN, so a session of
  the vendor's role (``arn:aws:sts::...:assumed-role/...``) never matches the role ARN that
  AWS matches it to: over HTTP, the legitimate vendor is refused as well;
* only ``StringEquals`` is evaluated and ``sts:ExternalId`` is the only context key; a
  request *without* an external ID passes the condition (AWS refuses it: a missing key
  never satisfies ``StringEquals``); ``Deny`` statements are treated like ``Allow``.

So the refusal of an AssumeRole *without* the external ID cannot be observed in the
emulator. These tests check the trust document as deployed, and evaluate it with the
emulator's own trust-policy engine for what that engine does enforce: the right external ID
from the vendor's principal is permitted, a wrong one or another principal is not.
"""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest

pytestmark = pytest.mark.integration

STACK = "airlock-payroll-eu-central-1"
ROLE = "airlock-payroll-vendor"


def document(value: Any) -> dict[str, Any]:
    """A policy document as the emulator returns it: a dict, JSON, or (from CloudFormation) a Python repr."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return ast.literal_eval(value)  # moto stores CloudFormation inline policies as str(dict)


@pytest.fixture(scope="module")
def deployed_role(emulator, deployed_example, example_spec):
    summary, _ = deployed_example[STACK]
    iam = emulator.client("iam", summary.account, summary.region)
    role = iam.get_role(RoleName=ROLE)["Role"]
    trust = document(role["AssumeRolePolicyDocument"])
    return summary, iam, role, trust, example_spec.integration("payroll").access


def test_the_vendor_role_exists_with_its_session_length_and_boundary(deployed_role):
    summary, iam, role, _, access = deployed_role
    assert role["Arn"] == f"arn:aws:iam::{summary.account}:role/{ROLE}"
    assert role["MaxSessionDuration"] == access.max_session_seconds
    boundary = role["PermissionsBoundary"]["PermissionsBoundaryArn"]
    assert boundary.startswith(f"arn:aws:iam::{summary.account}:policy/")
    assert iam.list_role_policies(RoleName=ROLE)["PolicyNames"] == ["DenySensitiveActions"]
    deny = iam.get_role_policy(RoleName=ROLE, PolicyName="DenySensitiveActions")["PolicyDocument"]
    (statement,) = document(deny)["Statement"]
    assert statement["Effect"] == "Deny"
    assert {"iam:*", "iam:PassRole", "organizations:*", "cloudtrail:*", "kms:PutKeyPolicy"} <= set(statement["Action"])


def test_deployed_trust_requires_the_external_id_from_the_named_principals_only(deployed_role):
    _, _, _, trust, access = deployed_role
    statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert allows
    principals = set()
    for statement in allows:
        assert statement["Action"] == "sts:AssumeRole"
        assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == access.external_id
        value = statement["Principal"]["AWS"]
        principals.update(value if isinstance(value, list) else [value])
    assert principals == set(access.principals)
    assert "*" not in principals


def test_the_emulators_trust_engine_admits_only_the_vendor_with_its_external_id(deployed_role):
    from moto.iam.access_control import IAMPolicy, PermissionResult

    summary, _, role, trust, access = deployed_role
    (vendor,) = access.principals
    policy = IAMPolicy(json.dumps(trust))

    def decide(principal: str, external_id: str | None) -> PermissionResult:
        context = {"sts:ExternalId": external_id} if external_id is not None else {}
        return policy.is_action_permitted("sts:AssumeRole", role["Arn"], principal, context)

    assert decide(vendor, access.external_id) == PermissionResult.PERMITTED
    assert decide(vendor, access.external_id + "-other") != PermissionResult.PERMITTED
    assert decide("arn:aws:iam::900000000099:role/someone-else", access.external_id) != PermissionResult.PERMITTED
    assert decide(f"arn:aws:iam::{summary.account}:role/insider", access.external_id) != PermissionResult.PERMITTED
    # Not observable here: moto lets a request without the external ID pass a StringEquals
    # condition; the document test above shows every Allow carries it, which AWS enforces.


def test_core_consumers_reach_the_deployed_key_policy(emulator, deployed_example):
    summary, _ = deployed_example[STACK]
    kms = emulator.client("kms", summary.account, summary.region)
    policies = []
    for key in kms.list_keys()["Keys"]:
        policy = document(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
        policies.extend(s for s in policy["Statement"] if s.get("Sid") == "CoreConsumers")
    (statement,) = policies
    assert statement["Condition"]["ArnEquals"] == {
        "aws:PrincipalArn": ["arn:aws:iam::300000000001:role/hr-payroll-processor"]
    }
    assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-c0nt0s0fr8"


def test_the_vendor_assumes_the_role_with_its_external_id(emulator, deployed_role):
    # With moto's IAM authorization off (its default) the call is not checked; it shows that
    # the deployed role is reachable from the vendor's account and yields a session of it.
    summary, _, role, _, access = deployed_role
    vendor_account = access.principal_accounts[0]
    sts = emulator.client("sts", vendor_account, summary.region)
    session = sts.assume_role(
        RoleArn=role["Arn"], RoleSessionName="ledgerly", ExternalId=access.external_id, DurationSeconds=3600
    )
    assert session["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{summary.account}:assumed-role/{ROLE}/ledgerly"
