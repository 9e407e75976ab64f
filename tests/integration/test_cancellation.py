"""A cancelled performance's bookings are all cancelled, page by page, and a stopped run finishes on redelivery."""

import json

import pytest

from boxoffice.bookings import service
from boxoffice.contracts import PerformanceCancelledData
from tests.api_events import CUSTOMER, ORGANIZER, OTHER_CUSTOMER
from tests.helpers import book, booked_count, register
from tests.integration._support import booking_items, failures_of, inventory, performance_bookings
from tests.stack import FakeContext, _sqs_record, call_api


def _seed(stack, count: int, capacity: int = 1000):
    """A registered performance with `count` bookings of 1-3 tickets (through the API), settled."""
    perf = register(stack, capacity=capacity)
    bookings = []
    for i in range(count):
        claims = CUSTOMER if i == 1 else OTHER_CUSTOMER if i == 2 else {"sub": f"cust-{i}"}
        status, booking = book(stack, perf["performanceId"], 1 + i % 3, claims=claims)
        assert status == 201, booking
        bookings.append(booking)
    stack.settle()
    return perf, bookings


def _cancelled_data(perf: dict) -> PerformanceCancelledData:
    return PerformanceCancelledData(
        **{k: perf[k] for k in ("performanceId", "organizerId", "title", "venue", "startsAt", "capacity")},
        grades=[{k: g[k] for k in ("grade", "price", "seats")} for g in perf["grades"]],
        maxPerCustomer=perf["maxPerCustomer"],
        cancelledAt="2030-01-01T00:00:00.000Z",
    )


def _ticket_cancelled_events(stack) -> list[dict]:
    """The TicketCancelled events in the booking side's outbox (moto never expires them)."""
    items = stack.table("BookingsTable").scan()["Items"]
    return [json.loads(i["detail"])["data"] for i in items if i.get("eventType") == "TicketCancelled"]


def _assert_all_cancelled_once(stack, perf, bookings):
    pid = perf["performanceId"]
    items = booking_items(stack, pid)
    assert len(items) == len(bookings)
    assert {i["status"] for i in items} == {"CANCELLED"}
    events = _ticket_cancelled_events(stack)
    assert sorted(e["bookingId"] for e in events) == sorted(b["bookingId"] for b in bookings)  # one each
    stack.settle()
    assert booked_count(stack, pid) == 0
    views, summary = performance_bookings(stack, pid)
    assert {v["status"] for v in views} == {"CANCELLED"}
    assert len(views) == len(bookings)
    assert summary["confirmedBookings"] == 0
    assert summary["confirmedTickets"] == 0
    assert summary["cancelledBookings"] == len(bookings)
    assert summary["cancelledTickets"] == sum(b["quantity"] for b in bookings)


def test_cancelling_a_performance_cancels_every_booking(stack):
    perf, bookings = _seed(stack, 8)
    pid = perf["performanceId"]
    by_customer = [b for b in bookings if b["customerId"] == CUSTOMER["sub"]][:2]
    for b in by_customer:
        assert call_api(stack, "POST", f"/bookings/{b['bookingId']}/cancel", claims=CUSTOMER)[0] == 200
    status, _ = call_api(stack, "POST", f"/performances/{pid}/cancel", claims=ORGANIZER)
    assert status == 200
    stack.settle()

    reasons = {i["bookingId"]: i["cancelReason"] for i in booking_items(stack, pid)}
    customer_ids = {b["bookingId"] for b in by_customer}
    assert all(i["status"] == "CANCELLED" for i in booking_items(stack, pid))
    assert {r for b, r in reasons.items() if b in customer_ids} == {"CUSTOMER"}
    assert {r for b, r in reasons.items() if b not in customer_ids} == {"PERFORMANCE_CANCELLED"}
    assert inventory(stack, pid)["status"] == "CANCELLED"
    assert booked_count(stack, pid) == 0

    views, summary = performance_bookings(stack, pid)
    assert {v["bookingId"]: v["cancelReason"] for v in views} == reasons
    assert summary["status"] == "CANCELLED"
    assert (summary["confirmedBookings"], summary["cancelledBookings"]) == (0, 8)
    assert summary["cancelledTickets"] == sum(b["quantity"] for b in bookings)
    status, mine = call_api(stack, "GET", f"/bookings/{bookings[2]['bookingId']}", claims=OTHER_CUSTOMER)
    assert status == 200
    assert mine["status"] == "CANCELLED"
    assert mine["cancelReason"] == "PERFORMANCE_CANCELLED"
    assert len(_ticket_cancelled_events(stack)) == 8


def _cancel_all(stack, perf: dict, **options) -> int:
    """The cancellation function's domain call, in the environment the template gives that function."""
    with stack.as_function("CancellationFunction"):
        return service.cancel_performance_bookings(
            _cancelled_data(perf), correlation_id="t", causation_id="t", **options
        )


def test_cancellation_pages_through_every_booking(stack):
    perf, bookings = _seed(stack, 60)
    count = _cancel_all(stack, perf, page_size=7)
    assert count == 60
    _assert_all_cancelled_once(stack, perf, bookings)


def test_a_stopped_cancellation_finishes_on_the_next_run(stack):
    perf, bookings = _seed(stack, 30)
    calls = []

    def first_chunk_only() -> bool:
        calls.append(1)
        return len(calls) == 1

    with pytest.raises(TimeoutError):
        _cancel_all(stack, perf, page_size=7, keep_going=first_chunk_only)
    done = [i for i in booking_items(stack, perf["performanceId"]) if i["status"] == "CANCELLED"]
    assert len(done) == 7  # the first chunk (one page of 7)
    # the redelivery picks up only what is still CONFIRMED
    rest = _cancel_all(stack, perf, page_size=7)
    assert len(done) + rest == 30
    _assert_all_cancelled_once(stack, perf, bookings)


class _RunningOutContext(FakeContext):
    """Plenty of time on the first look, then less than the handler's safety margin."""

    looks: int = 0

    def get_remaining_time_in_millis(self) -> int:
        self.looks += 1
        return 300_000 if self.looks == 1 else 1_000


def test_handler_reports_a_stopped_run_failed_and_the_redelivery_finishes(stack, monkeypatch):
    monkeypatch.setattr(service, "CANCEL_CHUNK", 5)  # so that a dozen bookings take several chunks
    perf, bookings = _seed(stack, 12)
    stack.down.add("CancellationFunction")
    call_api(stack, "POST", f"/performances/{perf['performanceId']}/cancel", claims=ORGANIZER)
    stack.settle()
    url = stack.queue_of("CancellationFunction")
    (message,) = stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    event = {"Records": [_sqs_record(message, stack.arns["CancellationQueue"])]}

    context = _RunningOutContext(function_name="CancellationFunction")
    assert failures_of(stack, "CancellationFunction", event, context) == {message["MessageId"]}
    done = [i for i in booking_items(stack, perf["performanceId"]) if i["status"] == "CANCELLED"]
    assert len(done) == 5  # one chunk, then time ran short

    assert failures_of(stack, "CancellationFunction", event) == set()
    stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    stack.down.clear()
    _assert_all_cancelled_once(stack, perf, bookings)


def test_handler_with_no_time_left_cancels_nothing_and_fails_the_message(stack):
    perf, _bookings = _seed(stack, 3)
    stack.down.add("CancellationFunction")
    call_api(stack, "POST", f"/performances/{perf['performanceId']}/cancel", claims=ORGANIZER)
    stack.settle()
    (message,) = stack.sqs.receive_message(QueueUrl=stack.queue_of("CancellationFunction"))["Messages"]
    event = {"Records": [_sqs_record(message, stack.arns["CancellationQueue"])]}
    assert failures_of(stack, "CancellationFunction", event, FakeContext(remaining_ms=5_000)) == {message["MessageId"]}
    assert {i["status"] for i in booking_items(stack, perf["performanceId"])} == {"CONFIRMED"}


def test_a_customer_cancelling_during_the_run_keeps_their_reason_and_is_not_cancelled_twice(stack):
    perf, bookings = _seed(stack, 6)
    racer = next(b for b in bookings if b["customerId"] == CUSTOMER["sub"])

    def customer_cancels_meanwhile() -> bool:
        # the page is already read: the chunk's transaction now meets one booking no longer CONFIRMED
        call_api(stack, "POST", f"/bookings/{racer['bookingId']}/cancel", claims=CUSTOMER)
        return True

    count = _cancel_all(stack, perf, keep_going=customer_cancels_meanwhile)
    assert count == 5
    reasons = {i["bookingId"]: i["cancelReason"] for i in booking_items(stack, perf["performanceId"])}
    assert reasons.pop(racer["bookingId"]) == "CUSTOMER"
    assert set(reasons.values()) == {"PERFORMANCE_CANCELLED"}
    _assert_all_cancelled_once(stack, perf, bookings)
