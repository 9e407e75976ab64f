"""The booking rules, on the domain functions with an in-memory store: seats per grade, the per-customer limit,
refusals, and the booking's states."""

from __future__ import annotations

import pytest

from boxoffice.bookings import service
from boxoffice.contracts import PerformanceCancelledData, TicketBooked, TicketCancelled
from boxoffice.errors import InvalidRequest, LimitExceeded, NotFound, PerformanceIsCancelled, SoldOut
from boxoffice.models import BookTicketInput

PID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
GRADES = [{"grade": "R", "price": 150_000, "seats": 4}, {"grade": "S", "price": 90_000, "seats": 6}]
DETAILS = {
    "performanceId": PID, "organizerId": "org-1", "title": "Mahler 2", "venue": "Hall",
    "startsAt": "2030-01-01T19:30:00+09:00", "capacity": 10, "grades": GRADES, "maxPerCustomer": 4,
}  # fmt: skip
ONE_GRADE = {**DETAILS, "grades": [{"grade": "GENERAL", "price": 0, "seats": 10}]}


def _book(customer: str = "alice", quantity: int = 2, grade: str | None = "R", method: str | None = "pm_card_visa"):
    request = BookTicketInput(performanceId=PID, quantity=quantity, grade=grade, paymentMethod=method)
    return service.book(customer, request, correlation_id="req-1")["booking"]


def test_a_booking_takes_seats_of_its_grade_at_its_price_and_says_so_in_one_event(store):
    service.open_for_sale(DETAILS)
    booking = _book(quantity=3, grade="S")
    assert booking["status"] == "CONFIRMED"
    assert (booking["grade"], booking["quantity"], booking["unitPrice"], booking["amount"]) == ("S", 3, 90_000, 270_000)
    assert (booking["customerId"], booking["title"], booking["currency"]) == ("alice", "Mahler 2", "KRW")
    assert store.inventories[PID]["available"] == {"R": 4, "S": 3}
    [event] = store.events
    assert isinstance(event, TicketBooked)
    assert (event.data.bookingId, event.data.grade, event.data.amount) == (booking["bookingId"], "S", 270_000)
    assert event.data.paymentId == booking["paymentId"]
    assert event.metadata.correlationId == "req-1"


def test_each_grade_sells_out_on_its_own_and_the_refusal_names_it_with_what_is_left(store):
    service.open_for_sale({**DETAILS, "maxPerCustomer": 10})
    _book(quantity=3, grade="R")
    with pytest.raises(SoldOut) as caught:
        _book(quantity=2, grade="R")
    assert caught.value.status == 409
    assert "only 1 R seats are left" in caught.value.message
    assert caught.value.details == {"grade": "R", "remaining": 1}
    assert _book(quantity=6, grade="S")["grade"] == "S"  # another grade is untouched
    assert store.inventories[PID]["available"] == {"R": 1, "S": 0}


@pytest.mark.parametrize(
    ("prices", "asked", "chosen", "code"),
    [
        ({"GENERAL": 0}, None, "GENERAL", None),
        ({"R": 1, "S": 2}, "S", "S", None),
        ({"R": 1, "S": 2}, None, None, "GRADE_REQUIRED"),
        ({"R": 1, "S": 2}, "VIP", None, "GRADE_NOT_FOUND"),
    ],
)
def test_the_grade_may_be_left_out_only_when_there_is_one(prices, asked, chosen, code):
    if code is None:
        assert service.choose_grade(prices, asked) == chosen
    else:
        with pytest.raises(InvalidRequest) as caught:
            service.choose_grade(prices, asked)
        assert (caught.value.status, caught.value.code) == (400, code)


def test_a_performance_registered_with_a_capacity_only_books_without_a_grade(store):
    service.open_for_sale(ONE_GRADE)
    booking = _book(quantity=2, grade=None, method=None)
    assert (booking["grade"], booking["unitPrice"], booking["amount"]) == ("GENERAL", 0, 0)
    assert booking["status"] == "CONFIRMED"
    assert "paymentId" not in booking


def test_a_customer_never_holds_more_than_the_limit_and_a_cancellation_makes_room(store):
    service.open_for_sale({**DETAILS, "maxPerCustomer": 4})
    first = _book(quantity=3, grade="S")
    with pytest.raises(LimitExceeded) as caught:
        _book(quantity=2, grade="R")
    assert (caught.value.status, caught.value.code) == (409, "LIMIT_EXCEEDED")
    assert caught.value.details == {"limit": 4, "allowed": 1}
    assert "you may book 1 more" in caught.value.message
    assert store.inventories[PID]["available"] == {"R": 4, "S": 3}  # the refused booking took nothing
    assert _book(customer="bob", quantity=4)["quantity"] == 4  # the limit is per customer
    service.cancel("alice", first["bookingId"], correlation_id="r")
    assert _book(quantity=4, grade="S")["quantity"] == 4
    assert store.held[(PID, "alice")] == 4


@pytest.mark.parametrize(("held", "limit", "allowed"), [(3, 4, 1), (4, 4, 0), (0, 2, 2), (5, 4, 0)])
def test_what_a_customer_is_still_allowed(held, limit, allowed):
    assert service.over_limit(held, limit).details == {"limit": limit, "allowed": allowed}


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
        (
            {"status": "CANCELLED", "capacity": 5, "available": {"R": 5}},
            PerformanceIsCancelled,
            "PERFORMANCE_CANCELLED",
        ),
        ({"status": "OPEN", "capacity": 5, "available": {"R": 1}}, SoldOut, "SOLD_OUT"),
    ],
)
def test_why_the_inventory_refused_is_what_the_customer_is_told(inventory, error, code):
    refusal = service.refusal(inventory, "R")
    assert isinstance(refusal, error)
    assert refusal.code == code


def test_a_warm_function_reads_a_performance_once_but_never_trusts_that_read_for_seats(store):
    service.open_for_sale({**DETAILS, "maxPerCustomer": 10})
    _book(quantity=2)
    _book(quantity=2)
    assert store.reads == 1
    service.close_for_sale(DETAILS)  # cancelled after it was read: the write's own check still refuses
    with pytest.raises(PerformanceIsCancelled):
        _book(quantity=1, grade="S")


def test_cancelling_returns_the_seats_once_and_again_is_a_no_op(store):
    service.open_for_sale(DETAILS)
    booking = _book(quantity=3)
    cancelled = service.cancel("alice", booking["bookingId"], correlation_id="req-2")
    assert (cancelled["status"], cancelled["cancelReason"]) == ("CANCELLED", "CUSTOMER")
    assert store.inventories[PID]["available"] == {"R": 4, "S": 6}
    again = service.cancel("alice", booking["bookingId"], correlation_id="req-3")
    assert again == cancelled
    assert store.inventories[PID]["available"] == {"R": 4, "S": 6}
    assert store.held[(PID, "alice")] == 0
    assert [type(e) for e in store.events] == [TicketBooked, TicketCancelled]
    assert store.events[1].data.grade == "R"


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


def test_a_performance_cancellation_cancels_every_confirmed_booking_and_keeps_customers_own(store):
    service.open_for_sale(DETAILS)
    bookings = [_book(customer=f"c{i}", quantity=1, grade="S") for i in range(6)] + [_book(customer="c0", quantity=1)]
    service.cancel("c1", bookings[1]["bookingId"], correlation_id="r")
    data = PerformanceCancelledData(**DETAILS, cancelledAt="2030-01-01T00:00:00.000Z")
    assert service.cancel_performance_bookings(data, correlation_id="c", causation_id="e", page_size=3) == 6
    reasons = [store.bookings[b["bookingId"]]["cancelReason"] for b in bookings]
    assert reasons == ["PERFORMANCE_CANCELLED", "CUSTOMER"] + ["PERFORMANCE_CANCELLED"] * 5
    assert store.inventories[PID]["status"] == "CANCELLED"
    assert set(store.held.values()) == {0}  # every ticket off its customer's count, once


def test_a_cancellation_that_runs_out_of_time_stops_between_chunks(store):
    service.open_for_sale(DETAILS)
    for i in range(3):
        _book(customer=f"c{i}", quantity=1)
    data = PerformanceCancelledData(**DETAILS, cancelledAt="2030-01-01T00:00:00.000Z")
    with pytest.raises(TimeoutError):
        service.cancel_performance_bookings(data, correlation_id="c", causation_id="e", keep_going=lambda: False)
    assert {b["status"] for b in store.bookings.values()} == {"CONFIRMED"}
