"""Wildcard matching and the action-catalogue pruning (actions_matching)."""

from __future__ import annotations

import fnmatch

import pytest
from policy_sentry.querying.all import get_all_actions

from airlock.access.patterns import action_matcher, arn_matches
from airlock.access.policy import actions_matching
from tests.unit.access.helpers import allow, deny, identity

ACTION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
CATALOGUE = tuple(sorted(get_all_actions()))


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:GetObject", "s3:getobject", True),
        ("s3:Get*", "s3:getobjectacl", True),
        ("s3:Get?bject", "s3:getobject", True),
        ("s3:Get?bject", "s3:getoobject", False),
        ("*", "iam:createrole", True),
        ("iam:*AccessKey*", "iam:createaccesskey", True),
        ("s3:*", "s3express:createsession", False),
    ],
)
def test_action_patterns(pattern: str, action: str, expected: bool) -> None:
    """ACTION: "You can also use wildcards (* or ?) as part of the action name." and "The prefix and
    the action name are case insensitive." """
    assert action_matcher((pattern,)).matches(action) is expected


@pytest.mark.parametrize(
    ("pattern", "arn", "expected"),
    [
        ("*", "arn:aws:s3:::b/k", True),
        ("*", "*", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/k/with/slashes", True),
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b", False),
        ("arn:aws:s3:::b*", "arn:aws:s3:::b/k", True),
        (
            "arn:aws:logs:*:111122223333:log-group:/airlock/*",
            "arn:aws:logs:eu-central-1:111122223333:log-group:/airlock/x:*",
            True,
        ),
        ("arn:aws:sqs:*:*:q", "arn:aws:sqs:eu-central-1:x:y:q", False),
        ("arn:aws:s3:::B", "arn:aws:s3:::b", False),
        ("arn:aws:s3:::b", "*", False),
    ],
)
def test_resource_patterns_match_per_segment_and_case_sensitively(pattern: str, arn: str, expected: bool) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html:
    wildcards apply "within ARN segments (the parts separated by colons)"."""
    assert arn_matches(pattern, arn) is expected


def test_actions_matching_is_what_the_allows_cover() -> None:
    """An action no Allow covers is implicitly denied: "If there are no identity-based
    policies or no statements in identity-based policies that allow the requested action, then
    the request is implicitly denied"
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html)."""
    policies = identity(
        allow(["sqs:SendMessage", "s3:Get*"]), deny("*"), {"Effect": "Allow", "NotAction": "*", "Resource": "*"}
    )
    covered = actions_matching(policies, CATALOGUE)
    expected = {a for a in CATALOGUE if a.lower() == "sqs:sendmessage" or fnmatch.fnmatchcase(a.lower(), "s3:get*")}
    assert covered == expected
    assert "s3:PutObject" not in covered


def test_actions_matching_with_not_action_covers_the_rest_of_the_catalogue() -> None:
    """ACTION / NotAction: "all of the applicable actions or services that are not listed are
    allowed if you use the Allow effect." """
    covered = actions_matching(
        identity({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}), CATALOGUE
    )
    assert not any(a.lower().startswith(("iam:", "organizations:")) for a in covered)
    assert len(covered) == sum(not a.lower().startswith(("iam:", "organizations:")) for a in CATALOGUE)


def test_actions_matching_covers_everything_for_an_unreadable_allow() -> None:
    """An Allow whose actions cannot be read may allow anything; pruning must not drop it."""
    unreadable = identity({"Effect": "Allow", "Action": [{"Ref": "X"}], "Resource": "*"})
    assert actions_matching(unreadable, CATALOGUE) == frozenset(CATALOGUE)


def test_actions_matching_accepts_statements_and_lists_and_any_iterable_catalogue() -> None:
    policy = identity(allow("kms:Decrypt"))
    assert actions_matching(policy.statements[0], CATALOGUE) == {"kms:Decrypt"}
    assert actions_matching([policy, policy.statements[0]], list(CATALOGUE)) == {"kms:Decrypt"}
    assert actions_matching(policy, iter(CATALOGUE)) == {"kms:Decrypt"}
