"""The unit tier: pure. Domain rules, validation and mappings, called directly with fakes; no moto, no AWS client
that could reach anything, no network. A test that tries to open a connection fails."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from boxoffice.bookings import checkout, service
from boxoffice.payments import breaker
from tests.fakes import FakeBookingsStore, FakeProvider, memory_breaker


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the unit tier is pure: no network (use tests/integration for AWS calls)")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


BREAKER = memory_breaker()


@pytest.fixture
def provider(monkeypatch) -> FakeProvider:
    fake = FakeProvider()
    monkeypatch.setattr(checkout, "payment_provider", lambda: fake)
    monkeypatch.setattr(breaker, "breaker", lambda: BREAKER)
    BREAKER.close()
    return fake


@pytest.fixture
def store(monkeypatch, provider) -> FakeBookingsStore:
    fake = FakeBookingsStore()
    monkeypatch.setattr(service, "store", fake)
    monkeypatch.setattr(checkout, "store", fake)
    monkeypatch.setenv(checkout.HOLD_MINUTES, "10")
    service._performance_facts.cache_clear()
    yield fake
    service._performance_facts.cache_clear()


def pytest_collection_finish(session):
    # Run on its own (make unit), the tier must not even import moto; run with the integration tier, moto is theirs.
    here = Path(__file__).parent
    if session.items and all(here in item.path.parents for item in session.items):
        assert "moto" not in sys.modules, "the unit tier must not import moto"
