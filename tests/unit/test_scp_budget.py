"""SCP quota budgeting: sizes, the exact boundary, attachment counting, the impossible case."""

from __future__ import annotations

import json

import pytest

from airlock.constructs.guardrails.budget import (
    PackedPolicy,
    ScpBudgetError,
    ScpQuota,
    document,
    minify,
    pack,
    statement_size,
)

EMPTY = len(minify(document([])))  # {"Version":"2012-10-17","Statement":[]}


def statement(sid: str, size: int) -> dict:
    """A deny statement of exactly ``size`` characters (minified), padded in its resource."""
    base = {"Sid": sid, "Effect": "Deny", "Action": "s3:GetObject", "Resource": ""}
    padding = size - statement_size(base)
    assert padding >= 0, f"{size} is too small for a statement"
    result = {**base, "Resource": "x" * padding}
    assert statement_size(result) == size
    return result


def test_size_is_measured_on_minified_json():
    policy = PackedPolicy((statement("A", 100),))
    assert policy.size == len(json.dumps(policy.document, separators=(",", ":")))
    assert policy.size == EMPTY + 100
    assert " " not in minify(policy.document)


def test_two_statements_cost_their_sizes_plus_one_comma():
    policy = PackedPolicy((statement("A", 100), statement("B", 200)))
    assert policy.size == EMPTY + 100 + 1 + 200


def test_a_policy_of_exactly_the_quota_passes_as_one_policy():
    quota = ScpQuota(max_policy_characters=1000, max_policies_per_target=5)
    first = statement("A", 600)
    second = statement("B", 1000 - EMPTY - 600 - 1)
    (policy,) = pack("ou-x", [first, second], quota=quota)
    assert policy.size == 1000


def test_one_character_more_moves_a_statement_to_a_second_policy():
    quota = ScpQuota(max_policy_characters=1000, max_policies_per_target=5)
    first = statement("A", 600)
    second = statement("B", 1000 - EMPTY - 600 - 1 + 1)
    policies = pack("ou-x", [first, second], quota=quota)
    assert [p.sids for p in policies] == [("A",), ("B",)]
    assert all(p.size <= 1000 for p in policies)


def test_one_character_more_fails_when_no_slot_is_left():
    quota = ScpQuota(max_policy_characters=1000, max_policies_per_target=2)  # FullAWSAccess takes one
    exact = [statement("A", 600), statement("B", 1000 - EMPTY - 601)]
    assert len(pack("ou-x", exact, quota=quota, reserved={"FullAWSAccess": 1})) == 1
    over = [statement("A", 600), statement("B", 1000 - EMPTY - 600)]
    with pytest.raises(ScpBudgetError, match="target ou-x"):
        pack("ou-x", over, quota=quota, reserved={"FullAWSAccess": 1})


def test_a_single_statement_of_exactly_the_room_fits_and_one_more_fails():
    quota = ScpQuota(max_policy_characters=500)
    (policy,) = pack("t", [statement("A", 500 - EMPTY)], quota=quota)
    assert policy.size == 500
    with pytest.raises(ScpBudgetError, match=r"statement A alone makes a policy of 501 characters, above the quota"):
        pack("t", [statement("A", 500 - EMPTY + 1)], quota=quota)


def test_full_aws_access_counts_against_the_attachment_quota():
    quota = ScpQuota(max_policy_characters=300, max_policies_per_target=3)
    statements = [statement(sid, 200) for sid in "ABC"]  # one statement per policy
    assert len(pack("t", statements, quota=quota, reserved={})) == 3
    with pytest.raises(ScpBudgetError, match=r"makes 4 SCPs, above the quota of 3"):
        pack("t", statements, quota=quota, reserved={"FullAWSAccess": 1})


def test_declared_external_scps_count_against_the_attachment_quota():
    quota = ScpQuota(max_policy_characters=300, max_policies_per_target=5)
    statements = [statement(sid, 200) for sid in "AB"]
    reserved = {"FullAWSAccess": 1, "external SCPs (finance-deny)": 1}
    assert len(pack("t", statements, quota=quota, reserved=reserved)) == 2
    reserved["external SCPs (finance-deny)"] = 3
    with pytest.raises(ScpBudgetError) as caught:
        pack("t", statements, quota=quota, reserved=reserved)
    assert "external SCPs (finance-deny) (3)" in str(caught.value)
    assert "makes 6 SCPs, above the quota of 5" in str(caught.value)


def test_impossible_case_names_target_sizes_count_and_what_to_drop():
    quota = ScpQuota(max_policy_characters=300, max_policies_per_target=3)
    statements = [statement("Big", 250), statement("Mid", 240), statement("Small", 100)]
    with pytest.raises(ScpBudgetError) as caught:
        pack("ou-saas-integrations", statements, quota=quota, reserved={"FullAWSAccess": 1})
    message = str(caught.value)
    assert message.startswith("target ou-saas-integrations: ")
    assert "the guardrails need 3 policies of " in message
    sizes = [EMPTY + 250, EMPTY + 240, EMPTY + 100]
    for size in sizes:
        assert str(size) in message
    assert "(quota 300)" in message
    assert "FullAWSAccess (1)" in message
    assert "makes 4 SCPs, above the quota of 3 per target" in message
    assert "drop at least Small (100 characters)" in message


def test_labels_name_what_to_drop_and_one_policy_is_singular():
    quota = ScpQuota(max_policy_characters=300, max_policies_per_target=2)
    statements = [statement("Big", 250), statement("Small", 100)]
    with pytest.raises(ScpBudgetError) as caught:
        pack("t", statements, quota=quota, reserved={"FullAWSAccess": 1}, labels={"Small": "deny-small"})
    assert "drop at least deny-small: Small (100 characters)" in str(caught.value)
    with pytest.raises(ScpBudgetError, match="the guardrails need 1 policy of "):
        pack("t", [statement("A", 80)], quota=quota, reserved={"FullAWSAccess": 2})


def test_reserved_attachments_alone_exhaust_the_quota():
    quota = ScpQuota(max_policy_characters=300, max_policies_per_target=2)
    with pytest.raises(ScpBudgetError, match="already take all 2 attachments; detach an SCP attached outside airlock"):
        pack("t", [statement("A", 80)], quota=quota, reserved={"FullAWSAccess": 1, "external SCPs (x)": 1})


def test_first_fit_decreasing_packs_into_as_few_policies_as_possible():
    quota = ScpQuota(max_policy_characters=EMPTY + 200, max_policies_per_target=10)
    # 120+79 and 100+99 fit exactly in two policies; packing in the given order would need three.
    statements = [statement("A", 100), statement("B", 120), statement("C", 79), statement("D", 99)]
    policies = pack("t", statements, quota=quota, reserved={})
    assert len(policies) == 2
    assert sorted(sorted(p.sids) for p in policies) == [["A", "D"], ["B", "C"]]


def test_packing_is_deterministic_and_independent_of_input_order():
    quota = ScpQuota(max_policy_characters=400)
    statements = [statement(sid, 90 + i) for i, sid in enumerate("ABCDEFG")]
    first = pack("t", statements, quota=quota)
    second = pack("t", list(reversed(statements)), quota=quota)
    assert [p.document for p in first] == [p.document for p in second]
    assert [s for p in first for s in p.sids] != []


def test_every_statement_lands_in_exactly_one_policy_within_the_size():
    quota = ScpQuota(max_policy_characters=700, max_policies_per_target=20)
    statements = [statement(f"S{i:02d}", 70 + 17 * i) for i in range(20)]
    policies = pack("t", statements, quota=quota, reserved={})
    placed = [sid for p in policies for sid in p.sids]
    assert sorted(placed) == sorted(s["Sid"] for s in statements)
    assert all(p.size <= 700 for p in policies)


def test_no_statements_need_no_policy():
    assert pack("t", []) == []


def test_duplicate_statement_ids_are_refused():
    with pytest.raises(ScpBudgetError, match=r"statement ids \['A'\] appear twice"):
        pack("t", [statement("A", 80), statement("A", 90)])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_policy_characters": 10}, "cannot hold even an empty policy"),
        ({"max_policies_per_target": 0}, "must be at least 1"),
    ],
)
def test_impossible_quotas_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ScpQuota(**kwargs)


def test_defaults_are_the_organizations_quotas():
    assert ScpQuota() == ScpQuota(max_policy_characters=5120, max_policies_per_target=5)
