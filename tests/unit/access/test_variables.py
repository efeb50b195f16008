"""Policy variables in Resource and condition values.

VARIABLES = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
"""

from __future__ import annotations

from airlock.access.model import Principal, Verdict
from tests.unit.access.helpers import ACCOUNT, ROLE, USER, allow, decide, identity, policy, request

BOB = USER
GET_OWN = request(BOB, "s3:GetObject", "arn:aws:s3:::mybucket/bob/notes.txt", aws__username="bob")
HOME = allow("s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/*")


def test_a_variable_in_the_resource_is_replaced_by_the_request_value() -> None:
    """VARIABLES: "When this policy is evaluated, IAM replaces the variable ${aws:username}
    with the friendly name of the actual current user." """
    assert decide(GET_OWN, identity=(identity(HOME),)).allowed
    other = request(BOB, "s3:GetObject", "arn:aws:s3:::mybucket/alice/notes.txt", aws__username="bob")
    assert decide(other, identity=(identity(HOME),)).denied


def test_a_resource_with_a_variable_without_value_matches_nothing() -> None:
    """VARIABLES: "If a variable that has no value in the authorization context is used as
    part of the Resource or NotResource element of a policy, the resource that includes a
    policy variable with no value will not match any resource." """
    no_name = request(ROLE, "s3:GetObject", "arn:aws:s3:::mybucket/bob/notes.txt")
    assert decide(no_name, identity=(identity(HOME),)).denied


def test_variables_are_literal_before_version_2012_10_17() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html:
    "variables such as ${aws:username} aren't recognized as variables and are instead treated
    as literal strings in the policy." """
    old = policy("identity", HOME, version="2008-10-17")
    missing = policy("identity", HOME, version=None)
    literal = request(BOB, "s3:GetObject", "arn:aws:s3:::mybucket/${aws:username}/x", aws__username="bob")
    assert decide(GET_OWN, identity=(old,)).denied
    assert decide(GET_OWN, identity=(missing,)).denied
    assert decide(literal, identity=(old,)).allowed


def test_principal_tags_as_variables() -> None:
    """VARIABLES: "To replace part of an ARN with a tag value, surround the prefix and key name
    with ${}." """
    team = identity(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/department}/*"))
    hr = request(ROLE, "s3:GetObject", "arn:aws:s3:::bucket/hr/doc", ctx={"aws:PrincipalTag/department": "hr"})
    assert decide(hr, identity=(team,)).allowed


def test_a_default_value_is_used_when_the_key_is_absent() -> None:
    """VARIABLES: "To add a default value to a variable, surround the default value with single
    quotes (' '), and separate the variable text and the default value with a comma and space
    (, )." """
    team = identity(allow("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-${aws:PrincipalTag/team, 'company-wide'}/*"))
    untagged = request(ROLE, "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide/x")
    yellow = request(
        ROLE, "s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET-yellow/x", ctx={"aws:PrincipalTag/team": "yellow"}
    )
    assert decide(untagged, identity=(team,)).allowed
    assert decide(yellow, identity=(team,)).allowed
    assert decide(
        request(
            ROLE,
            "s3:GetObject",
            "arn:aws:s3:::DOC-EXAMPLE-BUCKET-company-wide/x",
            ctx={"aws:PrincipalTag/team": "yellow"},
        ),
        identity=(team,),
    ).denied


def test_special_character_variables_are_literal() -> None:
    """VARIABLES: "${*} - use where you need an * (asterisk) character." -- a literal, not a
    wildcard."""
    star = identity(allow("s3:GetObject", "arn:aws:s3:::bucket/${*}"))
    assert decide(request(ROLE, "s3:GetObject", "arn:aws:s3:::bucket/*"), identity=(star,)).allowed
    assert decide(request(ROLE, "s3:GetObject", "arn:aws:s3:::bucket/anything"), identity=(star,)).denied
    like = identity(allow(Condition={"StringLike": {"s3:prefix": "a${?}b${$}"}}))
    assert decide(request(ROLE, "s3:ListBucket", "*", s3__prefix="a?b$"), identity=(like,)).allowed
    assert decide(request(ROLE, "s3:ListBucket", "*", s3__prefix="axb$"), identity=(like,)).denied


def test_variables_in_string_conditions() -> None:
    """VARIABLES: "You can use a policy variable for Condition values in any condition that
    involves the string operators or the ARN operators." """
    same_team = identity(allow(Condition={"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}))
    match = request(ROLE, "s3:GetObject", "*", ctx={"aws:ResourceTag/team": "hr", "aws:PrincipalTag/team": "hr"})
    differ = request(ROLE, "s3:GetObject", "*", ctx={"aws:ResourceTag/team": "hr", "aws:PrincipalTag/team": "it"})
    assert decide(match, identity=(same_team,)).allowed
    assert decide(differ, identity=(same_team,)).denied


def test_a_variable_without_value_does_not_match_and_negated_operators_do() -> None:
    """VARIABLES: "When you use a variable with no value in the condition element of an IAM
    policy, condition operators like StringEquals or StringLike do not match" and "Inverted
    condition operators like StringNotEquals or StringNotLike do match against a null value"."""
    equals = identity(allow(Condition={"StringEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}}))
    guard = identity(
        allow(),
        {
            "Effect": "Deny",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"s3:ExistingObjectTag/Team": "${aws:PrincipalTag/Team}"}},
        },
    )
    untagged = request(ROLE, "s3:GetObject", "*", ctx={"s3:ExistingObjectTag/Team": "hr"})
    assert decide(untagged, identity=(equals,)).denied
    assert decide(untagged, identity=(guard,)).denied


def test_no_variable_in_ip_numeric_date_bool_operators() -> None:
    """VARIABLES: "You can't use a policy variable with other operators, such as Numeric, Date,
    Boolean, Binary, IP Address, or Null operators." -- the model does not decide them."""
    ip = identity(allow(Condition={"IpAddress": {"aws:SourceIp": "${aws:PrincipalTag/cidr}"}}))
    decision = decide(
        request(ROLE, "s3:GetObject", "*", aws__SourceIp="10.0.0.1", ctx={"aws:PrincipalTag/cidr": "10.0.0.0/8"}),
        identity=(ip,),
    )
    assert decision.verdict is Verdict.UNDECIDED


def test_a_multivalued_key_cannot_be_a_variable() -> None:
    """VARIABLES: "You can use any single-valued condition key as a variable. You can't use a
    multivalued condition key as a variable." """
    tags = identity(allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:TagKeys}/*"))
    decision = decide(
        request(ROLE, "s3:GetObject", "arn:aws:s3:::bucket/a/b", ctx={"aws:TagKeys": ["a"]}), identity=(tags,)
    )
    assert decision.verdict is Verdict.UNDECIDED


def test_a_variable_only_in_the_resource_part_of_the_arn() -> None:
    """VARIABLES: "You can't use a variable to replace parts of the ARN before the fifth colon,
    such as the service or account." """
    early = identity(allow("s3:GetObject", "arn:aws:sqs:${aws:RequestedRegion}:111122223333:q"))
    assert "before the resource part" in (early.statements[0].unknown or "")


def test_a_principal_account_variable_from_the_derived_context() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalaccount:
    "Use this key to compare the account to which the requesting principal belongs". The
    evaluator derives it from the principal."""
    own = identity(allow("sqs:SendMessage", "arn:aws:sqs:eu-central-1:*:${aws:PrincipalAccount}-queue"))
    mine = request(ROLE, "sqs:SendMessage", f"arn:aws:sqs:eu-central-1:{ACCOUNT}:{ACCOUNT}-queue")
    assert decide(mine, identity=(own,)).allowed
    theirs = request(Principal.role("arn:aws:iam::999999999999:role/x"), "sqs:SendMessage", mine.resource)
    assert decide(theirs, identity=(own,)).denied
