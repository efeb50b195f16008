"""`airlock check --fail-on-overdue`: CI fails on integrations whose review is overdue."""

from __future__ import annotations

from airlock.cli import main
from tests.specs import dump, spec_data


def test_fail_on_overdue_fails_only_for_late_or_unassessed_integrations(tmp_path, capsys):
    data = spec_data(**{"integrations.0.review": {"last_assessed": "2026-06-01", "interval_months": 12}})
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(data))
    args = ["check", str(spec), "--out", str(tmp_path / "check"), "--today", "2026-11-29"]

    assert main(args) == 0  # the compliance check itself passes
    capsys.readouterr()

    assert main([*args, "--fail-on-overdue"]) == 1
    out = capsys.readouterr().out
    assert "review not-assessed: payroll: never assessed" in out
    assert "crm:" not in out  # assessed in June, due next June: current


def test_fail_on_overdue_passes_when_every_review_is_current(tmp_path, capsys):
    from datetime import date

    from airlock.register.reviews import overdue
    from airlock.spec import validate

    review = {"last_assessed": "2026-06-01", "interval_months": 12}
    spec = validate(spec_data(**{"integrations.0.review": review, "integrations.1.review": review}))
    assert overdue(spec, date(2026, 11, 29)) == []
    assert [s.integration for s in overdue(spec, date(2027, 6, 2))] == ["crm", "payroll"]


def test_every_report_says_failed_when_overdue_reviews_fail_the_run(tmp_path, capsys):
    """With --fail-on-overdue, a late review fails the run, and no report says 'passed' beside exit 1."""
    import json
    import xml.etree.ElementTree as ET

    import jsonschema

    from tests.unit.test_check import sarif_schema

    data = spec_data(**{"integrations.0.review": {"last_assessed": "2026-06-01", "interval_months": 12}})
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(data))
    out = tmp_path / "check"
    assert main(["check", str(spec), "--out", str(out), "--today", "2026-11-29", "--fail-on-overdue"]) == 1
    headline = capsys.readouterr().out.splitlines()[0]
    assert headline.startswith("check FAILED") and "1 review overdue or never assessed" in headline

    report = json.loads((out / "airlock-check.json").read_text())
    assert report["passed"] is False
    assert report["findings"] == []  # the compliance check itself is clean
    assert report["summary"]["overdueReviews"] == 1
    assert [(r["integration"], r["status"]) for r in report["overdueReviews"]] == [("payroll", "not-assessed")]

    markdown = (out / "airlock-check.md").read_text()
    assert markdown.startswith("# airlock check: FAILED")
    assert "## Overdue reviews" in markdown and "payroll: never assessed" in markdown

    sarif = json.loads((out / "airlock-check.sarif").read_text())
    jsonschema.validate(sarif, sarif_schema())
    (run,) = sarif["runs"]
    assert run["properties"]["passed"] is False
    (review,) = [r for r in run["results"] if r["ruleId"] == "airlock-review-overdue"]
    assert review["level"] == "error" and "payroll" in review["message"]["text"]

    junit = ET.fromstring((out / "airlock-check.junit.xml").read_text())  # noqa: S314 - our own report
    assert int(junit.get("failures")) == 1
    (suite,) = [s for s in junit if s.get("name") == "reviews"]
    failing = [case.get("name") for case in suite if case.find("failure") is not None]
    assert failing == ["payroll"]


def test_reports_pass_when_overdue_reviews_do_not_gate(tmp_path, capsys):
    import json

    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(spec_data()))
    out = tmp_path / "check"
    assert main(["check", str(spec), "--out", str(out), "--today", "2026-11-29"]) == 0
    assert capsys.readouterr().out.startswith("check passed")
    report = json.loads((out / "airlock-check.json").read_text())
    assert report["passed"] is True and report["overdueReviews"] == []
