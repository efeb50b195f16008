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
