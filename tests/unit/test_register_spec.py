"""Registration blocks of the spec: reviews, budgets, data flows; bad input exits 2."""

from __future__ import annotations

from datetime import date

import pytest

from airlock.cli import main
from airlock.register.reviews import overdue, review_state, review_states
from airlock.spec import SpecError, validate
from airlock.spec.register import add_months
from tests.specs import DELETE, dump, spec_data

TODAY = date(2026, 6, 15)
REVIEW = {"last_assessed": "2026-01-10", "interval_months": 6}
BUDGET = {"amount": 300, "thresholds_percent": [100, 80], "notify": ["finops@example.com"]}
FLOW = {
    "name": "events",
    "direction": "inbound",
    "classification": "internal",
    "description": "Change events from the vendor.",
    "via": "role",
    "buffer": "inbound",
    "consumers": ["sales-api"],
}


def registered(**changes):
    """The base spec with a review, a budget and a data flow on integrations[0]."""
    return spec_data(
        **{
            "integrations.0.review": dict(REVIEW),
            "integrations.0.budget": dict(BUDGET),
            "integrations.0.data_flows": [dict(FLOW)],
            **changes,
        }
    )


def issues_of(data, today=TODAY) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data, today=today)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_registration_blocks_are_read():
    integration = validate(registered(), today=TODAY).integrations[0]
    assert integration.review.next_review == date(2026, 7, 10)
    assert integration.review.interval == "6 months"
    assert integration.budget.thresholds_percent == [80.0, 100.0]  # sorted
    assert integration.data_flows[0].buffer == "inbound"


@pytest.mark.parametrize(
    ("changes", "path", "fragments"),
    [
        pytest.param(
            {"integrations.0.review.last_assessed": "2026-06-16"},
            "integrations[0].review.last_assessed",
            ["2026-06-16 is after today (2026-06-15)", "a date that has passed"],
            id="review-in-future",
        ),
        pytest.param(
            {"integrations.0.review.interval_months": 0},
            "integrations[0].review.interval_months",
            ["interval_months 0 is not a positive number", "e.g. 12"],
            id="interval-zero",
        ),
        pytest.param(
            {"integrations.0.review": {"last_assessed": "2026-01-10", "interval_days": -30}},
            "integrations[0].review.interval_days",
            ["interval_days -30 is not a positive number"],
            id="interval-negative",
        ),
        pytest.param(
            {"integrations.0.review": {"last_assessed": "2026-01-10", "interval_days": 30, "interval_months": 1}},
            "integrations[0].review",
            ["both given", "keep one"],
            id="two-intervals",
        ),
        pytest.param(
            {"integrations.0.budget.amount": 0},
            "integrations[0].budget.amount",
            ["amount 0 is not above 0", "monthly cost limit"],
            id="budget-zero",
        ),
        pytest.param(
            {"integrations.0.budget.amount": -50},
            "integrations[0].budget.amount",
            ["amount -50 is not above 0"],
            id="budget-negative",
        ),
        pytest.param(
            {"integrations.0.budget.thresholds_percent": [10, 20, 30, 40, 50, 60]},
            "integrations[0].budget.thresholds_percent",
            ["6 thresholds", "at most five"],
            id="too-many-thresholds",
        ),
        pytest.param(
            {"integrations.0.budget.thresholds_percent": [0]},
            "integrations[0].budget.thresholds_percent",
            ["threshold 0 is not a percentage above 0"],
            id="threshold-zero",
        ),
        pytest.param(
            {"integrations.0.owner": ""},
            "integrations[0].owner",
            ["at least 1 character"],
            id="owner-empty",
        ),
        pytest.param(
            {"integrations.0.owner": "   "},
            "integrations[0].owner",
            ["owner is blank", "name the team"],
            id="owner-blank",
        ),
        pytest.param(
            {"integrations.0.cost_centre": DELETE},
            "integrations[0].cost_centre",
            ["required field 'cost_centre' is missing"],
            id="cost-centre-missing",
        ),
        pytest.param(
            {"integrations.0.data_flows.0.buffer": "nope"},
            "integrations[0].data_flows[0].buffer",
            ["'nope' is not a buffer of this integration", "['inbound']"],
            id="flow-unknown-buffer",
        ),
        pytest.param(
            {"integrations.0.data_flows.0.classification": "restricted"},
            "integrations[0].data_flows[0].classification",
            ["'restricted' is above the integration's data_classification 'confidential'"],
            id="flow-above-classification",
        ),
        pytest.param(
            {"integrations.0.data_flows.0.via": "drop-zone"},
            "integrations[0].data_flows[0].via",
            ["no drop_zone", "add a drop_zone block"],
            id="flow-drop-zone-without-one",
        ),
        pytest.param(
            {"integrations.0.data_flows": [dict(FLOW), dict(FLOW)]},
            "integrations[0].data_flows[1].name",
            ["'events' is already the name of data_flows[0]"],
            id="flow-duplicate-name",
        ),
        pytest.param(
            {"integrations.0.data_flows.0.direction": "sideways"},
            "integrations[0].data_flows[0].direction",
            ["'sideways' is not allowed", "'inbound'"],
            id="flow-bad-direction",
        ),
    ],
)
def test_bad_registration_input_names_field_value_and_fix(changes, path, fragments):
    found = [message for issue_path, message in issues_of(registered(**changes)) if issue_path == path]
    assert found, f"no issue at {path}"
    assert all(fragment in found[0] for fragment in fragments), found[0]


def test_review_on_today_is_accepted():
    validate(registered(**{"integrations.0.review.last_assessed": TODAY.isoformat()}), today=TODAY)


@pytest.mark.parametrize(
    ("case", "changes", "message"),
    [
        ("future-review", {"integrations.0.review.last_assessed": "2026-07-01"}, "is after today (2026-06-15)"),
        ("interval-zero", {"integrations.0.review.interval_months": 0}, "interval_months 0 is not a positive"),
        ("budget-zero", {"integrations.0.budget.amount": 0}, "amount 0 is not above 0"),
        ("owner-empty", {"integrations.0.owner": ""}, "integrations[0].owner"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "register"])
def test_bad_registration_input_exits_2_and_writes_nothing(tmp_path, capsys, case, changes, message, command):
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(registered(**changes)))
    out = tmp_path / "register"
    argv = [command, str(spec)] + (["--out", str(out), "--today", TODAY.isoformat()] if command == "register" else [])
    if command == "validate" and case == "future-review":
        spec.write_text(dump(registered(**{"integrations.0.review.last_assessed": "2999-01-01"})))
        message = "2999-01-01 is after today"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]


def test_add_months_keeps_the_day_or_ends_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 5, 15), 12) == date(2027, 5, 15)


def test_review_status_depends_only_on_the_given_date():
    spec = validate(registered(), today=TODAY)
    crm = spec.integrations[0]
    assert review_state(crm, date(2026, 5, 1)).status == "current"
    assert review_state(crm, date(2026, 6, 20)).status == "due-soon"
    assert review_state(crm, date(2026, 7, 10)).status == "due-soon"  # due that day, not yet overdue
    late = review_state(crm, date(2026, 7, 11))
    assert (late.status, late.days_left) == ("overdue", -1)
    assert "overdue since 2026-07-10" in late.message
    assert review_state(spec.integrations[1], TODAY).status == "not-assessed"


def test_overdue_lists_overdue_and_never_assessed():
    spec = validate(registered(), today=TODAY)
    assert [s.integration for s in overdue(spec, date(2026, 6, 16))] == ["payroll"]
    assert [s.integration for s in overdue(spec, date(2026, 8, 1))] == ["crm", "payroll"]
    assert [s.status for s in review_states(spec, date(2026, 8, 1))] == ["overdue", "not-assessed"]


def test_interval_in_days():
    data = registered(**{"integrations.0.review": {"last_assessed": "2026-01-10", "interval_days": 90}})
    review = validate(data, today=TODAY).integrations[0].review
    assert (review.next_review, review.interval) == (date(2026, 4, 10), "90 days")
