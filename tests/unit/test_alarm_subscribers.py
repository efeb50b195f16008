"""Alarms that notify nobody: an integration's alarms go to its subscribers, else the organisation's
default subscribers, and a spec with neither is refused."""

from __future__ import annotations

import pytest

from airlock.spec import SpecError, validate
from tests.specs import spec_data

DEFAULT = "organization.observability"


def without_default(**changes):
    data = spec_data(**changes)
    data["organization"].pop("observability", None)
    return data


def test_an_integration_whose_alarms_would_notify_nobody_is_refused():
    with pytest.raises(SpecError) as caught:
        validate(without_default())
    found = {(issue.path, issue.message) for issue in caught.value.issues}
    paths = {path for path, _ in found}
    assert paths == {"integrations[0].observability.subscribers", "integrations[1].observability.subscribers"}
    message = next(message for path, message in found if path.startswith("integrations[0]"))
    assert "notify nobody" in message
    assert "organization.observability.default_subscribers" in message


def test_own_subscribers_are_enough():
    data = without_default()
    for integration in data["integrations"]:
        integration["observability"] = {"subscribers": ["team@example.com"]}
    validate(data)


def test_the_organisations_default_subscribers_get_the_alarms_of_integrations_without_their_own(tmp_path):
    from airlock.spec import AccountLock
    from airlock.stacks import build, new_app
    from tests.conftest import read_assembly

    data = without_default(**{"integrations.0.observability": {"subscribers": ["crm-oncall@example.com"]}})
    data["organization"]["observability"] = {"default_subscribers": ["platform-oncall@example.com"]}
    spec = validate(data)
    app = new_app(tmp_path)
    build(app, spec, lock=AccountLock(ids={"payroll": "220000000002"}), packs=())
    app.synth()
    assembly = read_assembly(tmp_path)

    def endpoints(stack: str) -> list[str]:
        subscriptions = assembly.resources(stack, "AWS::SNS::Subscription").values()
        return sorted(s["Properties"]["Endpoint"] for s in subscriptions)

    assert endpoints("airlock-crm-eu-central-1") == ["crm-oncall@example.com"]  # its own replace the default
    assert endpoints("airlock-payroll-eu-west-1") == ["platform-oncall@example.com"]


def test_default_subscribers_are_email_addresses_listed_once():
    data = spec_data(**{f"{DEFAULT}.default_subscribers": ["oncall", "oncall"]})
    with pytest.raises(SpecError) as caught:
        validate(data)
    assert any(issue.path.startswith(f"{DEFAULT}.default_subscribers") for issue in caught.value.issues)
