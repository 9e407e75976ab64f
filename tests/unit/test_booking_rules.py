"""The booking rules, on the domain functions with an in-memory store: seats, refusals, and the booking's states."""

from __future__ import annotations

import pytest

from boxoffice.bookings import service
from boxoffice.contracts import PerformanceCancelledData, TicketBooked, TicketCancelled
from boxoffice.errors import NotFound, PerformanceIsCancelled, SoldOut
from boxoffice.models import BookTicketInput
from tests.unit.fakes import FakeBookingsStore

PID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
DETAILS = {
    "performanceId": PID, "organizerId": "org-1", "title": "Mahler 2", "venue": "Hall",
    "startsAt": "2030-01-01T19:30:00+09:00", "capacity": 10,
}  # fmt: skip


@pytest.fixture
def store(monkeypatch) -> FakeBookingsStore:
    fake = FakeBookingsStore()
    monkeypatch.setattr(service, "store", fake)
    service._performance_facts.cache_clear()
    yield fake
    service._performance_facts.cache_clear()


def _book(customer: str = "alice", quantity: int = 2, performance_id: str = PID):
    request = BookTicketInput(performanceId=performance_id, quantity=quantity)
    return service.book(customer, request, correlation_id="req-1")


def test_a_booking_takes_its_seats_and_says_so_in_one_event(store):
    service.open_for_sale(DETAILS)
    booking = _book(quantity=3)
    assert booking["status"] == "CONFIRMED"
    assert (booking["customerId"], booking["quantity"], booking["title"]) == ("alice", 3, "Mahler 2")
    assert store.inventories[PID]["available"] == 7
    [event] = store.events
    assert isinstance(event, TicketBooked)
    assert event.data.bookingId == booking["bookingId"]
    assert event.metadata.correlationId == "req-1"


def test_seats_run_out_exactly_at_capacity(store):
    service.open_for_sale(DETAILS)
    assert [_book(quantity=4)["quantity"], _book(quantity=4)["quantity"]] == [4, 4]
    with pytest.raises(SoldOut) as caught:
        _book(quantity=3)
    assert caught.value.status == 409
    assert "only 2 seats are left" in caught.value.message
    assert _book(quantity=2)["quantity"] == 2
    assert store.inventories[PID]["available"] == 0


def test_an_unknown_performance_is_404_and_a_cancelled_one_409(store):
    with pytest.raises(NotFound) as unknown:
        _book()
    assert unknown.value.code == "PERFORMANCE_NOT_FOUND"
    service.open_for_sale(DETAILS)
    service.close_for_sale(DETAILS)
    with pytest.raises(PerformanceIsCancelled) as cancelled:
        _book()
    assert (cancelled.value.status, cancelled.value.code) == (409, "PERFORMANCE_CANCELLED")
    assert store.events == []


@pytest.mark.parametrize(
    ("inventory", "error", "code"),
    [
        (None, NotFound, "PERFORMANCE_NOT_FOUND"),
        ({"status": "CANCELLED", "title": "t"}, NotFound, "PERFORMANCE_NOT_FOUND"),  # cancelled before it opened here
        ({"status": "CANCELLED", "capacity": 5, "available": 5}, PerformanceIsCancelled, "PERFORMANCE_CANCELLED"),
        ({"status": "OPEN", "capacity": 5, "available": 1}, SoldOut, "SOLD_OUT"),
    ],
)
def test_why_the_inventory_refused_is_what_the_customer_is_told(inventory, error, code):
    refusal = service.refusal(inventory)
    assert isinstance(refusal, error)
    assert refusal.code == code


def test_a_warm_function_reads_a_performance_once_but_never_trusts_that_read_for_seats(store):
    service.open_for_sale(DETAILS)
    _book(quantity=5)
    _book(quantity=5)
    assert store.reads == 1
    service.close_for_sale(DETAILS)  # cancelled after it was read: the write's own check still refuses
    with pytest.raises(PerformanceIsCancelled):
        _book(quantity=1)


def test_cancelling_returns_the_seats_once_and_again_is_a_no_op(store):
    service.open_for_sale(DETAILS)
    booking = _book(quantity=3)
    cancelled = service.cancel("alice", booking["bookingId"], correlation_id="req-2")
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "CUSTOMER")
    assert store.inventories[PID]["available"] == 10
    again = service.cancel("alice", booking["bookingId"], correlation_id="req-3")
    assert again == cancelled
    assert store.inventories[PID]["available"] == 10
    assert [type(e) for e in store.events] == [TicketBooked, TicketCancelled]


def test_someone_elses_booking_is_as_unknown_as_a_missing_one(store):
    service.open_for_sale(DETAILS)
    booking = _book(customer="alice")
    for who, booking_id in (("bob", booking["bookingId"]), ("alice", "01ARZ3NDEKTSV4RRFFQ69G5FAW")):
        with pytest.raises(NotFound) as caught:
            service.cancel(who, booking_id, correlation_id="r")
        assert caught.value.code == "BOOKING_NOT_FOUND"
    assert store.bookings[booking["bookingId"]]["status"] == "CONFIRMED"


@pytest.mark.parametrize(("status", "cancellable"), [("CONFIRMED", True), ("CANCELLED", False)])
def test_only_a_confirmed_booking_can_be_cancelled(status, cancellable):
    assert service.cancellable({"status": status}) is cancellable


def test_a_performance_cancellation_cancels_every_confirmed_booking_and_keeps_customer_cancellations(
    store, monkeypatch
):
    monkeypatch.setattr(store, "confirmed_bookings", lambda pid, size: _pages(store, pid, size), raising=False)
    monkeypatch.setattr(store, "cancel_bookings_together", lambda work: _together(store, work), raising=False)
    service.open_for_sale(DETAILS)
    bookings = [_book(customer=f"c{i}", quantity=1) for i in range(7)]
    service.cancel("c0", bookings[0]["bookingId"], correlation_id="r")
    data = PerformanceCancelledData(**DETAILS, cancelledAt="2030-01-01T00:00:00.000Z")
    assert service.cancel_performance_bookings(data, correlation_id="c", causation_id="e", page_size=3) == 6
    reasons = [store.bookings[b["bookingId"]]["cancelReason"] for b in bookings]
    assert reasons == ["CUSTOMER"] + ["PERFORMANCE_CANCELLED"] * 6
    assert store.inventories[PID]["status"] == "CANCELLED"


def test_a_cancellation_that_runs_out_of_time_stops_between_chunks(store, monkeypatch):
    monkeypatch.setattr(store, "confirmed_bookings", lambda pid, size: _pages(store, pid, size), raising=False)
    monkeypatch.setattr(store, "cancel_bookings_together", lambda work: _together(store, work), raising=False)
    service.open_for_sale(DETAILS)
    for i in range(3):
        _book(customer=f"c{i}", quantity=1)
    data = PerformanceCancelledData(**DETAILS, cancelledAt="2030-01-01T00:00:00.000Z")
    with pytest.raises(TimeoutError):
        service.cancel_performance_bookings(data, correlation_id="c", causation_id="e", keep_going=lambda: False)
    assert {b["status"] for b in store.bookings.values()} == {"CONFIRMED"}


def _pages(store: FakeBookingsStore, performance_id: str, size: int):
    confirmed = [b for b in store.bookings.values() if b["status"] == "CONFIRMED"]
    for start in range(0, len(confirmed), size):
        yield confirmed[start : start + size]


def _together(store: FakeBookingsStore, work) -> bool:
    if any(store.bookings[c.booking["bookingId"]]["status"] != "CONFIRMED" for c in work):
        return False
    return all(store.cancel_booking(c, return_seats=False) for c in work)
