"""parse_policy: IAM JSON to the model, never raising, naming what it cannot read."""

from __future__ import annotations

from typing import Any

import pytest

from airlock.access.model import Source, Verdict
from airlock.access.policy import parse_policy
from tests.unit.access.helpers import OBJECT, ROLE, decide, identity, request

SOURCE = Source("resource", template="t.template.json", logical_id="BucketPolicy", name="drop-zone")
ELEMENTS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html"


def parse(document: Any, kind: str = "resource") -> Any:
    return parse_policy(document, Source(kind, name="p"))  # type: ignore[arg-type]


def test_statement_may_be_an_object_or_a_list() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html:
    "The Statement element can contain a single statement or an array of individual
    statements." """
    one = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}
    assert len(parse({"Version": "2012-10-17", "Statement": one}).statements) == 1
    assert len(parse({"Version": "2012-10-17", "Statement": [one, one]}).statements) == 2


def test_elements_become_tuples_and_sources_name_each_statement() -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Writers",
                    "Effect": "Allow",
                    "Principal": {"AWS": "444455556666"},
                    "Action": "s3:PutObject",
                    "Resource": "arn:aws:s3:::b/*",
                },
                {
                    "Effect": "Deny",
                    "NotPrincipal": {"Service": ["s3.amazonaws.com"]},
                    "NotAction": ["s3:Get*"],
                    "NotResource": "arn:aws:s3:::b",
                },
            ],
        },
        SOURCE,
    )
    first, second = policy.statements
    assert first.principals == (("AWS", ("arn:aws:iam::444455556666:root",)),)
    assert first.actions == ("s3:PutObject",)
    assert first.source.describe() == "resource policy 'drop-zone' of BucketPolicy (t.template.json) statement Writers"
    assert second.not_principals == (("Service", ("s3.amazonaws.com",)),)
    assert second.not_actions == ("s3:Get*",) and second.not_resources == ("arn:aws:s3:::b",)
    assert second.source.describe().endswith("statement #1")
    assert first.unknown is None and second.unknown is None


def test_wildcard_principals() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    "For anonymous users, the following elements are equivalent: "Principal": "*" and
    "Principal" : { "AWS" : "*" }"."""
    bare = parse({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}})
    aws = parse({"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*"}})
    assert bare.statements[0].principals == (("*", ("*",)),)
    assert aws.statements[0].principals == (("AWS", ("*",)),)


def test_condition_values_become_strings() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_datatypes.html
    lists "Numbers (Ints and Floats)" and "Boolean" among the JSON types of a policy; the
    model keeps condition values as the strings the operators read."""
    statement = parse(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": True}, "NumericLessThan": {"s3:max-keys": [10, 2.5]}},
            },
        }
    ).statements[0]
    assert [(c.operator, c.key, c.values) for c in statement.conditions] == [
        ("Bool", "aws:SecureTransport", ("true",)),
        ("NumericLessThan", "s3:max-keys", ("10", "2.5")),
    ]


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}},
            "Resource",
        ),
        ({"Effect": "Allow", "Principal": "*", "Action": [{"Ref": "X"}], "Resource": "*"}, "Action"),
        (
            {
                "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}"}},
                "Action": "s3:*",
                "Resource": "*",
            },
            "Principal AWS",
        ),
        (
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1111:role/*"}, "Action": "s3:*", "Resource": "*"},
            "partial wildcard",
        ),
        (
            {"Effect": "Allow", "Principal": {"AWS": "AROAEXAMPLEID"}, "Action": "s3:*", "Resource": "*"},
            "neither an account id",
        ),
        ({"Effect": "Allow", "Principal": {"Aws": "*"}, "Action": "s3:*", "Resource": "*"}, "unknown principal type"),
        (
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*", "Conditions": {}},
            "unknown statement element 'Conditions'",
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEqualz": {"a": "b"}},
            },
            "StringEqualz",
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"a": {"Ref": "X"}}},
            },
            "Condition StringEquals a",
        ),
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "bucket"}, "neither '*' nor an ARN"),
        (
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*"},
            "exactly one of Action and NotAction",
        ),
        ({"Effect": "Allow", "Principal": "*", "Action": "s3:*"}, "neither Resource nor NotResource"),
        ({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, "needs a Principal"),
    ],
)
def test_what_the_parser_cannot_read_is_named_in_unknown(statement: dict[str, Any], named: str) -> None:
    """The parser never raises on content; the statement says what it could not read."""
    parsed = parse({"Version": "2012-10-17", "Statement": [statement]})
    assert len(parsed.statements) == 1
    assert parsed.statements[0].unknown is not None and named in parsed.statements[0].unknown


def test_an_identity_policy_cannot_name_a_principal() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    "You cannot use the Principal element in an identity-based policy." """
    parsed = parse({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}, "identity")
    assert "cannot name a Principal" in (parsed.statements[0].unknown or "")


def test_a_trust_policy_needs_no_resource_and_rejects_not_principal() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html:
    "You cannot use the NotPrincipal element in an IAM identity-based policy or in an IAM role
    trust policy." """
    ok = parse(
        {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}},
        "trust",
    )
    bad = parse(
        {"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}}, "trust"
    )
    assert ok.statements[0].unknown is None
    assert "NotPrincipal" in (bad.statements[0].unknown or "")


def test_a_bad_effect_could_be_either_and_yields_one_unknown_of_each() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html:
    "Valid values for Effect are Allow and Deny." """
    parsed = parse({"Statement": [{"Effect": "allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]})
    assert [s.effect for s in parsed.statements] == ["Allow", "Deny"]
    assert all("Effect 'allow'" in (s.unknown or "") for s in parsed.statements)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"Version": "2012-10-18", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "Version"),
        (
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}], "Extra": 1},
            "Extra",
        ),
        ({"Version": "2012-10-17", "Statement": "nope"}, "Statement"),
        ([1, 2], "not an object"),
        ("{not json", "not JSON"),
    ],
)
def test_document_level_problems_make_every_statement_unknown(document: Any, named: str) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html:
    "2012-10-17. This is the current version of the policy language" and "2008-10-17. This was
    an earlier version of the policy language"; nothing else is."""
    parsed = parse(document, "identity")
    assert parsed.statements
    assert all(named in (s.unknown or "") for s in parsed.statements)


def test_an_unreadable_statement_makes_the_verdict_undecided_where_it_could_apply() -> None:
    """An unknown construct is "undecided", never a silent allow or deny."""
    unresolved = identity(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}, "Sid": "Read"}
    )
    decision = decide(request(ROLE, "s3:GetObject", OBJECT), identity=(unresolved,))
    assert decision.verdict is Verdict.UNDECIDED
    assert "statement Read" in decision.reason and "Fn::GetAtt" in decision.reason
    # ... but not where its readable parts rule it out:
    assert decide(request(ROLE, "sqs:SendMessage", "*"), identity=(unresolved,)).denied


def test_an_unreadable_deny_makes_an_allow_undecided() -> None:
    """An explicit deny that could apply could override the allow."""
    policies = identity(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": [{"Ref": "Bucket"}], "Sid": "Maybe"},
    )
    decision = decide(request(ROLE, "s3:GetObject", OBJECT), identity=(policies,))
    assert decision.verdict is Verdict.UNDECIDED
    assert [source.sid for source in decision.deciding] == ["Maybe"]
