"""Ticket booking through the API: book, capacity, cancel, Idempotency-Key."""

import json

import pytest

from tests.api_events import CUSTOMER, ORGANIZER, OTHER_CUSTOMER
from tests.helpers import book, booked_count, register
from tests.integration._support import booking_items, dynamodb_operations, inventory, unknown_id
from tests.stack import call_api


def _cancel(stack, booking_id, claims=CUSTOMER):
    return call_api(stack, "POST", f"/bookings/{booking_id}/cancel", claims=claims)


def _outbox_events(stack, event_type):
    return [i for i in stack.table("BookingsTable").scan()["Items"] if i.get("eventType") == event_type]


@pytest.mark.parametrize("quantity", [1, 10])
def test_book_returns_a_confirmed_booking(stack, quantity):
    perf = register(stack)
    status, booking = book(stack, perf["performanceId"], quantity)
    assert status == 201, booking
    assert booking["status"] == "CONFIRMED"
    assert booking["quantity"] == quantity
    assert booking["performanceId"] == perf["performanceId"]
    assert booking["customerId"] == CUSTOMER["sub"]
    assert booking["cancelReason"] is None
    assert booking["cancelledAt"] is None
    assert inventory(stack, perf["performanceId"])["available"] == 100 - quantity


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"quantity": 0}, id="quantity-0"),
        pytest.param({"quantity": 11}, id="quantity-11"),
        pytest.param({"quantity": "2"}, id="quantity-string"),
        pytest.param({"quantity": None}, id="quantity-missing"),
        pytest.param({"performanceId": None}, id="performanceId-missing"),
        pytest.param({"performanceId": "not-a-ulid"}, id="performanceId-malformed"),
        pytest.param({"extra": 1}, id="unknown-field"),
    ],
)
def test_invalid_booking_is_400(stack, body):
    perf = register(stack)
    request = {"performanceId": perf["performanceId"], "quantity": 2, **body}
    request = {k: v for k, v in request.items() if v is not None}
    status, out = call_api(stack, "POST", "/bookings", request, claims=CUSTOMER)
    assert status == 400, out
    assert out["code"] == "VALIDATION_ERROR"
    assert booking_items(stack, perf["performanceId"]) == []


def test_booking_without_claims_is_401(stack):
    perf = register(stack)
    assert book(stack, perf["performanceId"], claims=None)[0] == 401


def test_unknown_performance_is_404(stack):
    status, body = book(stack, unknown_id())
    assert status == 404, body


def test_capacity_is_enforced_and_a_refused_booking_writes_nothing(stack):
    perf = register(stack, capacity=7)
    pid = perf["performanceId"]
    for quantity in (3, 4):
        assert book(stack, pid, quantity)[0] == 201
    before_items = stack.table("BookingsTable").scan()["Items"]
    status, body = book(stack, pid, 1)
    assert status == 409, body
    assert body["code"] == "SOLD_OUT"
    assert stack.table("BookingsTable").scan()["Items"] == before_items  # no booking, no ref, no outbox event
    assert inventory(stack, pid)["available"] == 0
    stack.settle()
    assert booked_count(stack, pid) == 7


def test_a_warm_function_books_a_performance_it_has_seen_in_one_transaction(stack):
    pid = register(stack)["performanceId"]
    assert book(stack, pid)[0] == 201
    operations = dynamodb_operations()
    status, booking = book(stack, pid, 3, claims=OTHER_CUSTOMER)
    assert status == 201, booking
    assert operations == ["TransactWriteItems"]
    # what it kept is the performance's own: the booking's event carries the registered title
    details = [json.loads(e["detail"])["data"] for e in _outbox_events(stack, "TicketBooked")]
    booked = [d for d in details if d["bookingId"] == booking["bookingId"]]
    assert len(booked) == 1
    assert (booked[0]["title"], booked[0]["organizerId"]) == ("Beethoven 9", ORGANIZER["sub"])


def test_a_performance_cancelled_after_a_warm_function_saw_it_refuses_bookings(stack):
    pid = register(stack)["performanceId"]
    assert book(stack, pid)[0] == 201
    assert call_api(stack, "POST", f"/performances/{pid}/cancel", claims=ORGANIZER)[0] == 200
    stack.settle()
    status, body = book(stack, pid, claims=OTHER_CUSTOMER)
    assert (status, body["code"]) == (409, "PERFORMANCE_CANCELLED")
    assert len(_outbox_events(stack, "TicketBooked")) == 1


def test_a_booking_larger_than_what_is_left_is_refused(stack):
    perf = register(stack, capacity=5)
    assert book(stack, perf["performanceId"], 4)[0] == 201
    status, body = book(stack, perf["performanceId"], 2)
    assert (status, body["code"]) == (409, "SOLD_OUT")
    assert inventory(stack, perf["performanceId"])["available"] == 1


def test_customer_cancels_own_booking_and_seats_come_back_at_once(stack):
    perf = register(stack, capacity=4)
    pid = perf["performanceId"]
    _, booking = book(stack, pid, 4)
    assert book(stack, pid, 1, claims=OTHER_CUSTOMER)[0] == 409
    status, cancelled = _cancel(stack, booking["bookingId"])
    assert status == 200, cancelled
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["cancelReason"] == "CUSTOMER"
    assert cancelled["cancelledAt"]
    assert {k: cancelled[k] for k in ("bookingId", "quantity", "createdAt")} == {
        k: booking[k] for k in ("bookingId", "quantity", "createdAt")
    }
    # no settle needed: the seats are back in the same transaction
    assert book(stack, pid, 4, claims=OTHER_CUSTOMER)[0] == 201


def test_repeat_cancel_is_a_no_op_with_the_same_body(stack):
    perf = register(stack)
    _, booking = book(stack, perf["performanceId"], 3)
    first = _cancel(stack, booking["bookingId"])
    again = _cancel(stack, booking["bookingId"])
    assert again == first
    assert first[0] == 200
    assert inventory(stack, perf["performanceId"])["available"] == 100  # seats returned once
    assert len(_outbox_events(stack, "TicketCancelled")) == 1


def test_other_customer_cannot_cancel_my_booking(stack):
    perf = register(stack)
    _, booking = book(stack, perf["performanceId"])
    status, body = _cancel(stack, booking["bookingId"], claims=OTHER_CUSTOMER)
    assert status == 404, body
    items = booking_items(stack, perf["performanceId"])
    assert [i["status"] for i in items] == ["CONFIRMED"]


def test_cancel_unknown_booking_is_404(stack):
    assert _cancel(stack, unknown_id())[0] == 404


# ---------------------------------------------------------------- Idempotency-Key


def test_same_key_same_body_returns_the_same_booking_once(stack):
    perf = register(stack)
    headers = {"Idempotency-Key": "order-42"}
    first = book(stack, perf["performanceId"], 2, headers=headers)
    again = book(stack, perf["performanceId"], 2, headers=headers)
    assert first[0] == 201
    assert again == first
    assert len(booking_items(stack, perf["performanceId"])) == 1
    assert inventory(stack, perf["performanceId"])["available"] == 98
    stack.settle()
    assert booked_count(stack, perf["performanceId"]) == 2


def test_same_key_different_body_is_422(stack):
    perf = register(stack)
    headers = {"Idempotency-Key": "order-42"}
    assert book(stack, perf["performanceId"], 2, headers=headers)[0] == 201
    status, body = book(stack, perf["performanceId"], 3, headers=headers)
    assert status == 422, body
    assert body["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(booking_items(stack, perf["performanceId"])) == 1


def test_same_key_from_another_customer_is_a_separate_booking(stack):
    perf = register(stack)
    headers = {"Idempotency-Key": "order-42"}
    _, mine = book(stack, perf["performanceId"], 2, headers=headers)
    status, theirs = book(stack, perf["performanceId"], 2, claims=OTHER_CUSTOMER, headers=headers)
    assert status == 201, theirs
    assert theirs["bookingId"] != mine["bookingId"]
    assert theirs["customerId"] == OTHER_CUSTOMER["sub"]
    assert len(booking_items(stack, perf["performanceId"])) == 2


def test_malformed_idempotency_key_is_400(stack):
    perf = register(stack)
    status, body = book(stack, perf["performanceId"], headers={"Idempotency-Key": "no spaces allowed"})
    assert status == 400, body
    assert booking_items(stack, perf["performanceId"]) == []


def test_a_non_json_content_type_is_415_not_500(stack):
    perf = register(stack)
    status, body = call_api(
        stack,
        "POST",
        "/bookings",
        {"performanceId": perf["performanceId"], "quantity": 1},
        claims=CUSTOMER,
        headers={"Content-Type": "text/plain"},
    )
    assert (status, body["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
