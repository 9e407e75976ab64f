"""Integration tier: the stack of template.yaml built in moto, its functions invoked in-process.

The payment provider is the one part of the system that is not AWS: here it is an in-memory provider behind the
payment port (tests/fakes.py); the real Stripe adapter runs against localstripe in the end-to-end tier. The circuit
breaker is the real one, its state in the stack's BookingsTable.
"""

from __future__ import annotations

import moto  # must patch botocore before any client exists
import pytest

from tests.fakes import FakeProvider
from tests.moto_fixes import keep_streams_across_cancelled_transactions
from tests.stack import Stack


@pytest.fixture
def provider(monkeypatch) -> FakeProvider:
    from boxoffice.bookings import checkout, refunds
    from boxoffice.payments import breaker

    fake = FakeProvider()
    monkeypatch.setattr(checkout, "payment_provider", lambda: fake)
    monkeypatch.setattr(refunds, "payment_provider", lambda: fake)
    breaker.breaker.cache_clear()  # a fresh breaker on this test's stack
    yield fake
    breaker.breaker.cache_clear()


@pytest.fixture
def stack(monkeypatch, provider):
    keep_streams_across_cancelled_transactions(monkeypatch)
    with moto.mock_aws():
        yield Stack().build()
