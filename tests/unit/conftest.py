"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from airlock import aws_calls
from airlock.operations import redrive
from tests.verify_stubs import REGION, Stubs


@pytest.fixture
def stubs():
    """botocore stubs for the verify checks; every queued response must be consumed."""
    stubs = Stubs()
    stubs.sessions.region = REGION
    yield stubs
    stubs.assert_no_pending_responses()


@pytest.fixture(autouse=True)
def _no_backoff(monkeypatch):
    """AWS calls are retried as in production, without the waits between tries."""
    monkeypatch.setattr(aws_calls, "POLICY", aws_calls.RetryPolicy(sleep=lambda _: None))
    monkeypatch.setattr(redrive, "SETTLE_SECONDS", 0)
