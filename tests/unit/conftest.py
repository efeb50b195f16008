"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from tests.verify_stubs import REGION, Stubs


@pytest.fixture
def stubs():
    """botocore stubs for the verify checks; every queued response must be consumed."""
    stubs = Stubs()
    stubs.sessions.region = REGION
    yield stubs
    stubs.assert_no_pending_responses()
