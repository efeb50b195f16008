"""Access rules: who may assume roles and use resources from outside the account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airlock.compliance.rules._model import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    Outcome,
    Resource,
    as_list,
    condition_keys,
    principal_account,
    principals,
    rule,
    statements,
)

_ASSUME = {"sts:assumerole", "sts:*", "*"}


def _assumes(statement: Mapping[str, Any]) -> bool:
    return statement.get("Effect") == "Allow" and any(
        str(a).lower() in _ASSUME for a in as_list(statement.get("Action"))
    )


def _string_equals(statement: Mapping[str, Any], key: str) -> bool:
    found = condition_keys(statement).get(key)
    if found is None:
        return False
    operator, value = found
    return operator == "StringEquals" and bool(value) and value != "*"


def _named_principal(rest: str) -> bool:
    return rest.startswith(("role/", "user/", "assumed-role/")) and "*" not in rest


@rule(
    "CrossAccountTrust",
    types=("AWS::IAM::Role",),
    info="The role can be assumed from another account without an sts:ExternalId condition and is not "
    "limited to named principals of the organisation.",
    explanation="A role that another account may assume needs an sts:ExternalId condition (against the "
    "confused-deputy problem) or must be limited to named IAM principals with an aws:PrincipalOrgID "
    "condition. Trusting a whole account or '*' lets anyone there act in the intermediate account.",
)
def cross_account_trust(resource: Resource) -> Outcome:
    verdict = NOT_APPLICABLE
    for statement in statements(resource.properties.get("AssumeRolePolicyDocument")):
        if not _assumes(statement):
            continue
        outside = [principal_account(p, resource.account) for p in principals(statement)]
        outside = [(kind, rest) for kind, rest in outside if kind != "same"]
        if statement.get("NotPrincipal") is not None:
            outside.append(("any", "*"))
        if not outside:
            continue
        if _string_equals(statement, "sts:externalid"):
            verdict = COMPLIANT
            continue
        named = all(kind == "other" and _named_principal(rest) for kind, rest in outside)
        if named and _string_equals(statement, "aws:principalorgid"):
            verdict = COMPLIANT
            continue
        return NON_COMPLIANT
    return verdict


#: Where each resource type keeps its resource policy.
POLICY_PROPERTIES = {
    "AWS::IAM::Role": "AssumeRolePolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::S3::AccessPoint": "Policy",
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::EC2::VPCEndpoint": "PolicyDocument",
    "AWS::SecretsManager::ResourcePolicy": "ResourcePolicy",
    "AWS::ECR::Repository": "RepositoryPolicyText",
    "AWS::Logs::ResourcePolicy": "PolicyDocument",
    "AWS::ApiGateway::RestApi": "Policy",
    "AWS::Backup::BackupVault": "AccessPolicy",
    "AWS::OpenSearchService::Domain": "AccessPolicies",
    "AWS::Events::EventBusPolicy": "Statement",
}

#: Condition keys that limit who the statement applies to (lower case).
RESTRICTING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalservicename",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:sourceip",
        "aws:userid",
        "kms:calleraccount",
    }
)


def _restricted(statement: Mapping[str, Any]) -> bool:
    for key, (operator, value) in condition_keys(statement).items():
        if key not in RESTRICTING_KEYS or not value or value == "*":
            continue
        if operator.endswith("IfExists") or "Not" in operator or operator == "Null":
            continue
        return True
    return False


def _anyone(statement: Mapping[str, Any]) -> bool:
    if statement.get("NotPrincipal") is not None:
        return True
    return "*" in principals(statement) or any(p == "*" for p in principals(statement, "AWS"))


@rule(
    "NoWildcardPrincipal",
    types=(*POLICY_PROPERTIES, "AWS::Lambda::Permission"),
    info="A resource policy allows Principal '*' without a condition that restricts who it applies to.",
    explanation="An Allow for '*' is an Allow for every AWS account and anonymous callers. It is fine only "
    "with a condition that pins the caller: aws:PrincipalOrgID, aws:SourceVpce, aws:SourceAccount, "
    "aws:SourceArn and the like.",
)
def no_wildcard_principal(resource: Resource) -> Outcome:
    if resource.type == "AWS::Lambda::Permission":
        props = resource.properties
        if props.get("Principal") != "*":
            return NOT_APPLICABLE
        pinned = props.get("SourceAccount") or props.get("SourceArn") or props.get("PrincipalOrgID")
        return COMPLIANT if pinned else NON_COMPLIANT
    document = resource.properties.get(POLICY_PROPERTIES[resource.type])
    if resource.type == "AWS::Events::EventBusPolicy":
        document = {"Statement": [document]} if document else None
    allows = [s for s in statements(document) if s.get("Effect") == "Allow" and _anyone(s)]
    if not allows:
        return NOT_APPLICABLE
    return COMPLIANT if all(_restricted(s) for s in allows) else NON_COMPLIANT
