"""Condition operators, one test per operator family and documented edge case.

OPERATORS = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
MULTI = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
SINGLE_MULTI = https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
"""

from __future__ import annotations

from typing import Any

import pytest

from airlock.access.conditions import CompiledCondition, parse_operator
from airlock.access.model import Condition, Verdict, context
from airlock.access.tri import Tri
from airlock.access.variables import UNKNOWN, Marker
from tests.unit.access.helpers import ACCOUNT, BUCKET, OBJECT, ROLE, S3, allow, decide, deny, identity, policy, request


def check(operator: str, key: str, values: str | list[str], ctx: dict[str, Any] | None = None, **opts: Any) -> Tri:
    """One condition against a context; ``unknown`` names keys whose value is unknowable."""
    given = context(ctx or {})
    unknown = {name.lower() for name in opts.get("unknown", ())}

    def lookup(name: str) -> tuple[str, ...] | Marker | None:
        return UNKNOWN if name in unknown else given.get(name)

    listed = values if isinstance(values, list) else [values]
    condition = Condition(operator, key, tuple(listed))
    return CompiledCondition(condition, policy_variables=opts.get("variables", True)).test(lookup)


# -- missing keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", False),
        ("StringLike", False),
        ("NumericLessThan", False),
        ("DateGreaterThan", False),
        ("Bool", False),
        ("IpAddress", False),
        ("ArnLike", False),
        ("BinaryEquals", False),
        ("StringNotEquals", True),
        ("StringNotLike", True),
        ("ArnNotLike", True),
        ("NotIpAddress", True),
        ("NumericNotEquals", True),
        ("DateNotEquals", True),
    ],
)
def test_a_missing_key_fails_positive_and_passes_negated_operators(operator: str, expected: bool) -> None:
    """OPERATORS: "If the key that you specify in a policy condition is not present in the
    request context, the values do not match and the condition is false. If the policy
    condition requires that the key is not matched, such as StringNotLike or ArnNotLike, and
    the right key is not present, the condition is true." """
    assert check(operator, "aws:SomeKey", "1") is expected


# -- string ------------------------------------------------------------------------------


def test_string_equals_is_exact_and_case_sensitive() -> None:
    """OPERATORS: StringEquals is "Exact matching, case sensitive"."""
    assert check("StringEquals", "aws:PrincipalTag/team", "payroll", {"aws:PrincipalTag/team": "payroll"}) is True
    assert check("StringEquals", "aws:PrincipalTag/team", "payroll", {"aws:PrincipalTag/team": "Payroll"}) is False
    assert check("StringEquals", "aws:PrincipalTag/team", "pay*", {"aws:PrincipalTag/team": "payroll"}) is False


def test_several_values_of_one_key_are_ored() -> None:
    """MULTI: "If a single condition operator includes multiple values for one key, that
    condition operator is evaluated using a logical OR." """
    assert check(
        "StringEquals", "aws:RequestedRegion", ["eu-west-1", "eu-central-1"], {"aws:RequestedRegion": "eu-central-1"}
    )


def test_negated_operators_with_several_values_work_like_and() -> None:
    """MULTI: "When multiple values are listed in a policy for negated matching condition
    operators such as StringNotEquals and DateNotEquals, the effective permissions work like a
    logical AND." """
    values = ["111111111111", "222222222222"]
    assert check("StringNotEquals", "aws:PrincipalAccount", values, {"aws:PrincipalAccount": "222222222222"}) is False
    assert check("StringNotEquals", "aws:PrincipalAccount", values, {"aws:PrincipalAccount": "333333333333"}) is True


def test_string_equals_ignore_case() -> None:
    """OPERATORS: StringEqualsIgnoreCase is "Exact matching, ignoring case";
    StringNotEqualsIgnoreCase "Negated matching, ignoring case"."""
    ctx = {"aws:PrincipalTag/team": "PayRoll"}
    assert check("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "payroll", ctx) is True
    assert check("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "payroll", ctx) is False
    assert check("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "hr", ctx) is True


def test_string_like_wildcards_are_case_sensitive() -> None:
    """OPERATORS: StringLike is "Case-sensitive matching. The values can include
    multi-character match wildcards (*) and single-character match wildcards (?) anywhere in
    the string." """
    ctx = {"s3:prefix": "home/alice/notes"}
    assert check("StringLike", "s3:prefix", "home/*", ctx) is True
    assert check("StringLike", "s3:prefix", "home/alic?/*", ctx) is True
    assert check("StringLike", "s3:prefix", "Home/*", ctx) is False
    assert (
        check("StringLike", "s3:prefix", "home/", ctx) is False
    )  # "You must specify wildcards to achieve partial string matches."
    assert check("StringNotLike", "s3:prefix", "home/*", ctx) is False
    assert check("StringNotLike", "s3:prefix", "tmp/*", ctx) is True


# -- numeric -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "request_value", "expected"),
    [
        ("NumericEquals", "10", True),
        ("NumericEquals", "10.0", True),
        ("NumericNotEquals", "10", False),
        ("NumericLessThan", "9", True),
        ("NumericLessThan", "10", False),
        ("NumericLessThanEquals", "10", True),
        ("NumericGreaterThan", "11", True),
        ("NumericGreaterThanEquals", "10", True),
        ("NumericGreaterThanEquals", "9.5", False),
    ],
)
def test_numeric_operators(operator: str, request_value: str, expected: bool) -> None:
    """OPERATORS: "Numeric condition operators let you construct Condition elements that
    restrict access based on comparing a key to an integer or decimal value." """
    assert check(operator, "s3:max-keys", "10", {"s3:max-keys": request_value}) is expected


def test_a_malformed_number_is_undecided() -> None:
    """OPERATORS: the Numeric operators compare "an integer or decimal value"; anything else
    is not a documented input, so the model does not guess."""
    assert check("NumericLessThan", "s3:max-keys", "ten", {"s3:max-keys": "3"}) is None
    assert check("NumericLessThan", "s3:max-keys", "10", {"s3:max-keys": "three"}) is None


def test_no_policy_variables_in_numeric_operators() -> None:
    """OPERATORS: "You can not use a policy variable with the Numeric condition operator." """
    assert check("NumericLessThan", "s3:max-keys", "${aws:PrincipalTag/limit}", {"s3:max-keys": "3"}) is None


# -- date --------------------------------------------------------------------------------


def test_date_operators_read_iso_8601_and_epoch() -> None:
    """OPERATORS: "You must specify date/time values with one of the W3C implementations of
    the ISO 8601 date formats or in epoch (UNIX) time." """
    now = {"aws:CurrentTime": "2026-03-01T12:00:00Z"}
    assert check("DateLessThan", "aws:CurrentTime", "2026-06-30T00:00:00Z", now) is True
    assert check("DateLessThan", "aws:CurrentTime", "1782777600", now) is True  # 2026-06-30 as epoch
    assert check("DateGreaterThan", "aws:CurrentTime", "2026-03-01T13:00:00+02:00", now) is True
    assert check("DateEquals", "aws:CurrentTime", "2026-03-01T12:00:00Z", now) is True
    assert check("DateNotEquals", "aws:CurrentTime", "2026-03-01T12:00:00Z", now) is False
    assert check("DateLessThanEquals", "aws:CurrentTime", "2026-03-01", now) is False
    assert check("DateGreaterThanEquals", "aws:CurrentTime", "2026-03", now) is True


def test_a_malformed_date_is_undecided() -> None:
    """OPERATORS: "Wildcards are not permitted for date condition operators." -- neither they
    nor other non-dates are read."""
    now = {"aws:CurrentTime": "2026-03-01T12:00:00Z"}
    assert check("DateLessThan", "aws:CurrentTime", "2026-*", now) is None
    assert check("DateLessThan", "aws:CurrentTime", "2026-03-01T12:00:00", now) is None  # no time zone


# -- bool, binary ------------------------------------------------------------------------


def test_bool() -> None:
    """OPERATORS: "Boolean conditions let you construct Condition elements that restrict
    access based on comparing a key to "true" or "false"." """
    assert check("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": False}) is True
    assert check("Bool", "aws:SecureTransport", "false", {"aws:SecureTransport": True}) is False
    assert check("Bool", "aws:SecureTransport", "TRUE", {"aws:SecureTransport": True}) is True
    assert check("Bool", "aws:SecureTransport", "yes", {"aws:SecureTransport": True}) is None


def test_binary_equals_is_undecided_when_the_key_is_present() -> None:
    """OPERATORS: BinaryEquals "compares the value of the specified key byte for byte against
    a base-64 encoded representation of the binary value in the policy"; the request's binary
    encoding is not modelled, so the answer is undecided. A missing key: "the values do not
    match"."""
    assert check("BinaryEquals", "s3:x-amz-content-sha256", "QmluYXJ5", {"s3:x-amz-content-sha256": "QmluYXJ5"}) is None
    assert check("BinaryEquals", "s3:x-amz-content-sha256", "QmluYXJ5") is False


# -- IP ----------------------------------------------------------------------------------


def test_ip_address_v4_and_v6() -> None:
    """OPERATORS: "The value must be in the standard CIDR format (for example, 203.0.113.0/24
    or 2001:DB8:1234:5678::/64). If you specify an IP address without the associated routing
    prefix, IAM uses the default prefix value of /32." """
    v4 = {"aws:SourceIp": "203.0.113.9"}
    v6 = {"aws:SourceIp": "2001:db8:1234:5678::1"}
    assert check("IpAddress", "aws:SourceIp", "203.0.113.0/24", v4) is True
    assert check("IpAddress", "aws:SourceIp", "203.0.113.9", v4) is True
    assert check("IpAddress", "aws:SourceIp", "203.0.113.8", v4) is False
    assert check("IpAddress", "aws:SourceIp", ["203.0.113.0/24", "2001:DB8:1234:5678::/64"], v6) is True
    assert check("IpAddress", "aws:SourceIp", "2001:DB8:1234:5678::/64", v4) is False
    assert check("NotIpAddress", "aws:SourceIp", "198.51.100.0/24", v4) is True
    assert check("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", v4) is False


def test_a_malformed_cidr_is_undecided() -> None:
    """OPERATORS: "The value must be in the standard CIDR format"; anything else is not read."""
    assert check("IpAddress", "aws:SourceIp", "203.0.113.0/33", {"aws:SourceIp": "203.0.113.9"}) is None
    assert check("IpAddress", "aws:SourceIp", "203.0.113.0/24", {"aws:SourceIp": "not-an-ip"}) is None


# -- ARN ---------------------------------------------------------------------------------


def test_arn_like_matches_each_colon_delimited_segment_separately() -> None:
    """OPERATORS: "With a StringLike condition, the match succeeds. The first asterisk matches
    us-east-2:999999999999:store/abc:. With an ArnLike condition, which matches elements
    between colons, the match fails." """
    pattern = "arn:aws:someservice:*:111122223333:finance/*"
    value = {"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"}
    assert check("StringLike", "aws:SourceArn", pattern, value) is True
    assert check("ArnLike", "aws:SourceArn", pattern, value) is False
    assert (
        check(
            "ArnLike",
            "aws:SourceArn",
            pattern,
            {"aws:SourceArn": "arn:aws:someservice:us-east-2:111122223333:finance/a:b"},
        )
        is True
    )


def test_arn_equals_and_arn_like_behave_identically() -> None:
    """OPERATORS: "The ArnEquals and ArnLike condition operators behave identically."; so do
    ArnNotEquals and ArnNotLike."""
    value = {"aws:SourceArn": "arn:aws:s3:::drop-zone"}
    for positive, negative in (("ArnEquals", "ArnNotEquals"), ("ArnLike", "ArnNotLike")):
        assert check(positive, "aws:SourceArn", "arn:aws:s3:::drop-*", value) is True
        assert check(negative, "aws:SourceArn", "arn:aws:s3:::drop-*", value) is False
        assert check(positive, "aws:SourceArn", "arn:aws:s3:::other", value) is False


def test_arn_operators_do_not_match_a_value_that_is_not_an_arn() -> None:
    """OPERATORS: ARN operators match "each of the six colon-delimited components"; a value
    without them matches nothing."""
    assert check("ArnLike", "aws:SourceArn", "arn:*:*:*:*:*", {"aws:SourceArn": "drop-zone"}) is False


# -- IfExists, Null ----------------------------------------------------------------------


def test_if_exists_passes_a_missing_key_and_tests_a_present_one() -> None:
    """OPERATORS: "If the policy key is present in the context of the request, process the key
    as specified in the policy. If the key is not present, evaluate the condition element as
    true." """
    assert check("StringLikeIfExists", "ec2:InstanceType", ["t2.*"]) is True
    assert check("StringLikeIfExists", "ec2:InstanceType", ["t2.*"], {"ec2:InstanceType": "m5.large"}) is False
    assert check("StringLikeIfExists", "ec2:InstanceType", ["t2.*"], {"ec2:InstanceType": "t2.micro"}) is True


def test_a_negated_if_exists_deny_still_denies_when_the_key_is_missing() -> None:
    """OPERATORS: "If you are using an "Effect": "Deny" element with a negated condition
    operator like StringNotEqualsIfExists, the request is still denied even if the tag is
    missing." """
    guard = identity(
        allow(),
        deny("s3:*", Condition={"StringNotEqualsIfExists": {"aws:PrincipalTag/team": "payroll"}}, Sid="TeamOnly"),
    )
    assert decide(request(ROLE, "s3:GetObject", OBJECT), identity=(guard,)).denied


def test_null_checks_whether_a_key_is_absent() -> None:
    """OPERATORS: "use either true (the key doesn't exist — it is null) or false (the key
    exists and its value is not null)." """
    assert check("Null", "aws:TokenIssueTime", "true") is True
    assert check("Null", "aws:TokenIssueTime", "true", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}) is False
    assert check("Null", "aws:TokenIssueTime", "false", {"aws:TokenIssueTime": "2026-01-01T00:00:00Z"}) is True
    assert check("Null", "aws:TokenIssueTime", "maybe") is None


def test_null_has_no_if_exists_form() -> None:
    """OPERATORS: "You can add IfExists to the end of any condition operator name except the
    Null condition" -- NullIfExists is no operator: undecided."""
    assert parse_operator("NullIfExists") is None
    assert check("NullIfExists", "aws:TokenIssueTime", "true") is None


def test_an_unknown_operator_is_undecided_never_true_or_false() -> None:
    """An operator AWS does not document: the model says it cannot decide."""
    assert check("StringMatches", "aws:PrincipalTag/team", "x", {"aws:PrincipalTag/team": "x"}) is None
    decision = decide(
        request(ROLE, "s3:GetObject", OBJECT), identity=(identity(allow(Condition={"StringMatches": {"a:b": "x"}})),)
    )
    assert decision.verdict is Verdict.UNDECIDED
    assert "StringMatches" in decision.reason


# -- several keys and operators ----------------------------------------------------------


def test_several_keys_and_operators_are_anded() -> None:
    """MULTI: "If your policy has multiple condition operators or multiple keys attached to a
    single condition operator, the conditions are evaluated using a logical AND." """
    statement = allow(
        "s3:GetObject",
        Condition={
            "StringEqualsIgnoreCase": {
                "aws:PrincipalTag/department": ["finance", "hr"],
                "aws:PrincipalTag/role": ["audit"],
            },
            "StringEquals": {"aws:PrincipalAccount": ACCOUNT},
        },
    )
    tags = {"aws:PrincipalTag/department": "HR", "aws:PrincipalTag/role": "audit"}
    assert decide(request(ROLE, "s3:GetObject", OBJECT, ctx=dict(tags)), identity=(identity(statement),)).allowed
    missing_role = {"aws:PrincipalTag/department": "HR"}
    assert decide(request(ROLE, "s3:GetObject", OBJECT, ctx=missing_role), identity=(identity(statement),)).denied


# -- set operators and multivalued keys --------------------------------------------------


def test_for_all_values_is_a_subset_test_and_true_for_no_values() -> None:
    """MULTI: ForAllValues "returns true if every key value in the request matches at least
    one value in the policy. It also returns true if there are no keys in the request, or if
    the key values resolve to a null data set, such as an empty string." """
    allowed = ["ID", "Message", "Tags"]
    assert (
        check("ForAllValues:StringEquals", "dynamodb:Attributes", allowed, {"dynamodb:Attributes": ["Message", "Tags"]})
        is True
    )
    assert (
        check(
            "ForAllValues:StringEquals",
            "dynamodb:Attributes",
            allowed,
            {"dynamodb:Attributes": ["Message", "UserName"]},
        )
        is False
    )
    assert check("ForAllValues:StringEquals", "dynamodb:Attributes", allowed) is True
    assert check("ForAllValues:StringEquals", "dynamodb:Attributes", allowed, {"dynamodb:Attributes": []}) is True


def test_for_any_value_needs_one_match_and_is_false_for_no_values() -> None:
    """MULTI: ForAnyValue "returns true if any one of the key values in the request matches any
    one of the condition values in the policy. For no matching key or a null dataset, the
    condition returns false." """
    forbidden = ["ID", "PostDateTime"]
    assert (
        check(
            "ForAnyValue:StringEquals",
            "dynamodb:Attributes",
            forbidden,
            {"dynamodb:Attributes": ["PostDateTime", "Message"]},
        )
        is True
    )
    assert (
        check("ForAnyValue:StringEquals", "dynamodb:Attributes", forbidden, {"dynamodb:Attributes": ["UserName"]})
        is False
    )
    assert check("ForAnyValue:StringEquals", "dynamodb:Attributes", forbidden) is False


def test_set_operators_combine_with_like_and_negated_operators() -> None:
    """MULTI: "if you include a multivalued string key in your policy with a wildcard or a
    variable, you must also use the StringLike condition operator." """
    tags = {"aws:TagKeys": ["airlock:owner", "airlock:review"]}
    assert check("ForAllValues:StringLike", "aws:TagKeys", "airlock:*", tags) is True
    assert check("ForAnyValue:StringNotLike", "aws:TagKeys", "airlock:*", tags) is False
    assert check("ForAnyValue:StringNotLike", "aws:TagKeys", "airlock:*", {"aws:TagKeys": ["cost"]}) is True


def test_a_multivalued_key_under_a_single_value_operator_is_undecided() -> None:
    """SINGLE_MULTI: "Multivalued context keys require a condition set operator." What a plain
    operator does with one is not documented."""
    assert check("StringLike", "aws:TagKeys", "airlock:*", {"aws:TagKeys": ["airlock:owner"]}) is None
    assert check("StringEquals", "aws:PrincipalTag/team", "x", {"aws:PrincipalTag/team": ["x", "y"]}) is None
    # absent, the documented missing-key rule still applies:
    assert check("StringLike", "aws:TagKeys", "airlock:*") is False


def test_a_key_whose_value_is_unknown_is_undecided() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
    lists the aws:PrincipalArn value of roles, users, federated users and the root user; for a
    service principal it documents none, so a condition on it cannot be decided."""
    assert check("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/x", unknown=["aws:PrincipalArn"]) is None
    bucket = policy(
        "resource",
        allow(
            "s3:GetObject",
            f"{BUCKET}/*",
            Principal="*",
            Condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}},
        ),
    )
    decision = decide(request(S3, "s3:GetObject", OBJECT), resource=bucket, resource_account=ACCOUNT)
    assert decision.verdict is Verdict.UNDECIDED
    assert "aws:PrincipalArn" in decision.reason
