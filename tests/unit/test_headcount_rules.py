"""The headcount's arithmetic: what each event adds, and how a batch is summed per performance, each event once."""

from __future__ import annotations

import pytest

from boxoffice.contracts import PerformanceRegistered, TicketBooked, TicketCancelled, new_event
from boxoffice.performances import service

PERFORMANCE = {
    "performanceId": "P1", "organizerId": "o", "title": "t", "venue": "v", "startsAt": "s", "capacity": 10,
    "createdAt": "c",
}  # fmt: skip


def _booking(pid: str = "P1", quantity: int = 2) -> dict:
    return {
        "bookingId": "B1", "performanceId": pid, "customerId": "c", "quantity": quantity, "createdAt": "t",
        "title": "t", "startsAt": "s", "organizerId": "o",
    }  # fmt: skip


def _event(model, data):
    return new_event(model, data, correlation_id="c", causation_id="c")


def test_a_booking_adds_its_tickets_and_a_cancellation_takes_them_back():
    booked = _event(TicketBooked, _booking(quantity=3))
    cancelled = _event(TicketCancelled, {**_booking(quantity=3), "cancelledAt": "t", "reason": "CUSTOMER"})
    assert service.headcount_change(booked) == {"eventId": booked.metadata.eventId, "performanceId": "P1", "delta": 3}
    assert service.headcount_change(cancelled)["delta"] == -3


def test_other_events_leave_the_headcount_alone():
    assert service.headcount_change(_event(PerformanceRegistered, PERFORMANCE)) is None


def test_a_batch_is_summed_per_performance_and_a_repeated_event_counts_once():
    changes = [
        {"eventId": "e1", "performanceId": "P1", "delta": 2},
        {"eventId": "e2", "performanceId": "P1", "delta": -1},
        {"eventId": "e1", "performanceId": "P1", "delta": 2},  # the same event delivered twice in one batch
        {"eventId": "e3", "performanceId": "P2", "delta": 4},
    ]
    assert service.headcount_by_performance(changes) == {"P1": {"e1": 2, "e2": -1}, "P2": {"e3": 4}}


def test_one_performances_trouble_fails_only_its_own_events(monkeypatch):
    applied = {}

    def add(performance_id, deltas):
        if performance_id == "P2":
            raise RuntimeError("throttled")
        applied[performance_id] = sum(deltas.values())
        return {"e0"} & set(deltas)

    monkeypatch.setattr(service.store, "add_to_headcount", add)
    duplicates, failures = service.apply_headcount(
        [
            {"eventId": "e0", "performanceId": "P1", "delta": 1},
            {"eventId": "e1", "performanceId": "P1", "delta": 2},
            {"eventId": "e2", "performanceId": "P2", "delta": 3},
        ]
    )
    assert applied == {"P1": 3}
    assert duplicates == {"e0"}
    assert set(failures) == {"e2"}
    with pytest.raises(RuntimeError):
        raise failures["e2"]
