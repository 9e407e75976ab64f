"""Taking the money through the real chain (the template's stack in moto), with the provider in memory: paid,
declined, pending and settled by the retry queue, the breaker's state shared in the table, holds that run out,
refunds on both kinds of cancellation, retries that never charge twice, and the payment events in any order."""

from __future__ import annotations

import random

import pytest

from tests.api_events import CUSTOMER, ORGANIZER
from tests.helpers import book, booked_count, register
from tests.integration._support import (
    breaker_reset_time_passes,
    expire_hold_now,
    failures_of,
    inventory,
    performance_bookings,
    sqs_event,
)
from tests.stack import call_api

PRICE = 150_000


def _paid(stack, seats: int = 20, limit: int = 10) -> str:
    return register(stack, grades=[{"grade": "R", "price": PRICE, "seats": seats}], max_per_customer=limit)[
        "performanceId"
    ]


def _pay(stack, pid: str, quantity: int = 1, method: str = "pm_card_visa", **kwargs) -> tuple[int, dict]:
    return book(stack, pid, quantity, payment_method=method, **kwargs)


def _view(stack, booking_id: str) -> dict:
    status, view = call_api(stack, "GET", f"/bookings/{booking_id}", claims=CUSTOMER)
    assert status == 200, view
    return view


def _remaining(stack, pid: str) -> int:
    return call_api(stack, "GET", f"/performances/{pid}")[1]["grades"][0]["remaining"]


def _breaker(stack) -> dict:
    return stack.table("BookingsTable").get_item(Key={"pk": "BREAKER#payments", "sk": "BREAKER"}).get("Item", {})


def test_a_paid_booking_is_confirmed_with_its_payment_and_counted(stack, provider):
    pid = _paid(stack)
    status, booking = _pay(stack, pid, 2)
    assert status == 201, booking
    assert (booking["status"], booking["amount"], booking["currency"]) == ("CONFIRMED", 2 * PRICE, "KRW")
    [intent] = provider.succeeded()
    assert (booking["paymentId"], intent["amount"]) == (intent["id"], 2 * PRICE)
    stack.settle()
    assert (booked_count(stack, pid), _remaining(stack, pid)) == (2, 18)
    assert (_view(stack, booking["bookingId"])["status"], _view(stack, booking["bookingId"])["paymentId"]) == (
        "CONFIRMED",
        intent["id"],
    )


@pytest.mark.parametrize(
    ("method", "code", "reason"),
    [
        ("pm_card_chargeCustomerFail", "PAYMENT_DECLINED", "Your card was declined."),
        ("pm_card_authenticationRequired", "PAYMENT_ACTION_REQUIRED", "authentication"),
    ],
)
def test_a_refused_payment_is_402_with_the_seats_back_and_the_booking_failed(stack, provider, method, code, reason):
    pid = _paid(stack)
    status, body = _pay(stack, pid, 3, method=method)
    assert (status, body["code"]) == (402, code), body
    assert reason in body["message"]
    assert body["details"]["status"] == "PAYMENT_FAILED"
    assert inventory(stack, pid)["available"] == 20
    stack.settle()
    view = _view(stack, body["details"]["bookingId"])
    assert (view["status"], view["failureReason"]) == ("PAYMENT_FAILED", body["message"])
    assert (booked_count(stack, pid), _remaining(stack, pid)) == (0, 20)
    _, summary = performance_bookings(stack, pid)
    assert (summary["failedBookings"], summary["confirmedBookings"]) == (1, 0)
    assert provider.succeeded() == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "PAYMENT_METHOD_REQUIRED"),
        ({"paymentMethod": "4242424242424242"}, "VALIDATION_ERROR"),  # card data never reaches Boxoffice
        ({"paymentMethod": "pm_"}, "VALIDATION_ERROR"),
        ({"paymentMethod": 12}, "VALIDATION_ERROR"),
    ],
)
def test_a_paid_grade_needs_a_well_formed_payment_method(stack, provider, body, code):
    pid = _paid(stack)
    status, out = call_api(stack, "POST", "/bookings", {"performanceId": pid, "quantity": 1, **body}, claims=CUSTOMER)
    assert (status, out["code"]) == (400, code)
    assert inventory(stack, pid)["available"] == 20
    assert provider.calls == []


def test_with_the_provider_down_the_booking_is_202_pending_and_the_retry_queue_settles_it(stack, provider):
    pid = _paid(stack)
    provider.down = True
    status, booking = _pay(stack, pid, 2)
    assert status == 202, booking
    assert (booking["status"], booking["holdExpiresAt"] is not None) == ("PAYMENT_PENDING", True)
    stack.settle()  # the retries fail while the provider is away
    view = _view(stack, booking["bookingId"])
    assert (view["status"], view["holdExpiresAt"]) == ("PAYMENT_PENDING", booking["holdExpiresAt"])
    assert (booked_count(stack, pid), _remaining(stack, pid)) == (0, 18)  # held: not sold, not available
    provider.down = False
    breaker_reset_time_passes(stack)  # the retries' failures opened it; time passes
    stack.redrive_all()  # those that ran out of deliveries meanwhile
    stack.settle()
    view = _view(stack, booking["bookingId"])
    assert view["status"] == "CONFIRMED"
    assert (booked_count(stack, pid), _remaining(stack, pid)) == (2, 18)
    assert len(provider.succeeded()) == 1
    assert len(provider.intents) == 1  # the retries created no second intent


def test_the_breaker_state_is_shared_opens_after_the_failures_and_closes_on_a_trial(stack, provider):
    from boxoffice.payments import breaker

    pid = _paid(stack, seats=50)
    provider.down = True
    failures = int(stack.environment("BookTicketFunction")["BREAKER_FAILURES"])
    for n in range(failures):
        assert _pay(stack, pid, claims={"sub": f"c{n}"})[0] == 202
    assert (_breaker(stack)["st"], int(_breaker(stack)["fc"])) == ("open", failures)
    breaker.breaker.cache_clear()  # another running instance: it reads the same state
    calls = len(provider.calls)
    provider.down = False
    assert _pay(stack, pid, claims={"sub": "while-open"})[0] == 202
    assert len(provider.calls) == calls  # answered without calling the provider
    breaker_reset_time_passes(stack)
    status, booking = _pay(stack, pid, claims={"sub": "trial"})
    assert (status, booking["status"]) == (201, "CONFIRMED")
    assert (_breaker(stack)["st"], int(_breaker(stack)["fc"])) == ("closed", 0)


def test_a_declined_card_never_trips_the_breaker(stack, provider):
    pid = _paid(stack, seats=50)
    for n in range(8):
        assert _pay(stack, pid, method="pm_card_chargeCustomerFail", claims={"sub": f"c{n}"})[0] == 402
    assert _breaker(stack).get("st", "closed") == "closed"


def test_a_hold_that_runs_out_expires_once_with_its_seats_and_limit_back(stack, provider):
    pid = _paid(stack, limit=2)
    provider.down = True
    _, booking = _pay(stack, pid, 2)
    provider.down = False
    expire_hold_now(stack, booking)
    stack.invoke("HoldExpiryFunction", {})  # the next minute's sweep finds nothing more to do
    stack.settle()
    assert _view(stack, booking["bookingId"])["status"] == "EXPIRED"
    assert inventory(stack, pid)["available"] == 20
    assert (booked_count(stack, pid), _remaining(stack, pid)) == (0, 20)
    _, summary = performance_bookings(stack, pid)
    assert (summary["expiredBookings"], summary["pendingBookings"]) == (1, 0)
    assert _pay(stack, pid, 2)[0] == 201  # the customer's limit is free again


def test_a_customer_cancelling_a_paid_booking_is_refunded_once(stack, provider):
    pid = _paid(stack)
    _, booking = _pay(stack, pid, 2)
    status, cancelled = call_api(stack, "POST", f"/bookings/{booking['bookingId']}/cancel", claims=CUSTOMER)
    assert (status, cancelled["status"], cancelled["refund"]) == (200, "CANCELLED", {"status": "PENDING"})
    assert inventory(stack, pid)["available"] == 20
    stack.settle()
    assert _view(stack, booking["bookingId"])["refund"] == {"status": "REFUNDED"}
    assert provider.refunds == [(booking["paymentId"], 2 * PRICE)]
    stack.redrive_all()
    stack.settle()
    assert provider.refunds == [(booking["paymentId"], 2 * PRICE)]


def test_a_cancelled_performance_refunds_every_paid_booking_once(stack, provider):
    pid = _paid(stack, seats=50)
    paid = [_pay(stack, pid, 1 + n % 3, claims={"sub": f"c{n}"})[1] for n in range(7)]
    assert call_api(stack, "POST", f"/performances/{pid}/cancel", claims=ORGANIZER)[0] == 200
    stack.settle()
    assert sorted(provider.refunds) == sorted((b["paymentId"], b["amount"]) for b in paid)
    views, _ = performance_bookings(stack, pid)
    assert {v["status"] for v in views} == {"CANCELLED"}
    assert {v["refund"]["status"] for v in views} == {"REFUNDED"}


def test_a_refund_with_the_provider_down_waits_and_is_made_once_it_is_back(stack, provider):
    pid = _paid(stack)
    _, booking = _pay(stack, pid, 1)
    call_api(stack, "POST", f"/bookings/{booking['bookingId']}/cancel", claims=CUSTOMER)
    provider.down = True
    stack.settle()
    assert provider.refunds == []
    assert _view(stack, booking["bookingId"])["refund"] == {"status": "PENDING"}
    provider.down = False
    breaker_reset_time_passes(stack)
    stack.redrive_all()
    stack.settle()
    assert provider.refunds == [(booking["paymentId"], PRICE)]


def test_a_retried_request_with_its_key_gets_the_same_402_and_charges_nothing_more(stack, provider):
    pid = _paid(stack)
    key = {"Idempotency-Key": "declined-once"}
    first = _pay(stack, pid, 1, method="pm_card_chargeCustomerFail", headers=key)
    again = _pay(stack, pid, 1, method="pm_card_chargeCustomerFail", headers=key)
    assert first == again
    assert first[0] == 402
    assert len(provider.intents) == 1


def test_the_limit_counts_tickets_whose_payment_is_pending(stack, provider):
    pid = _paid(stack, limit=4)
    provider.down = True
    assert [_pay(stack, pid, 2)[0] for _ in range(2)] == [202, 202]
    provider.down = False
    status, refused = _pay(stack, pid, 1)
    assert (status, refused["code"], refused["details"]["allowed"]) == (409, "LIMIT_EXCEEDED", 0)


def test_payment_events_twice_and_in_any_order_converge(stack, provider):
    """A pending booking confirmed, one pending then expired, one failed at once, one confirmed then cancelled:
    their events delivered twice and shuffled to the headcount and the status view end where the bookings are."""
    pid = _paid(stack, seats=30)
    stack.down |= {"HeadcountFunction", "StatusViewProjectorFunction"}  # they get the events below instead
    provider.down = True
    _pay(stack, pid, 2, claims={"sub": "a"})  # pending, then confirmed by the retry
    _, expired = _pay(stack, pid, 1, claims={"sub": "b"})
    expire_hold_now(stack, expired)  # pending, then expired
    provider.down = False
    breaker_reset_time_passes(stack)
    _pay(stack, pid, 3, method="pm_card_chargeCustomerFail", claims={"sub": "c"})
    _, cancelled = _pay(stack, pid, 4, claims={"sub": "d"})
    call_api(stack, "POST", f"/bookings/{cancelled['bookingId']}/cancel", claims={"sub": "d"})
    stack.redrive_all()
    stack.settle()
    events = []
    for function in ("HeadcountFunction", "StatusViewProjectorFunction"):
        url = stack.queue_of(function)
        while messages := stack.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for m in messages:
                events.append((function, m["Body"]))
                stack.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    rng = random.Random(12)
    for function in ("HeadcountFunction", "StatusViewProjectorFunction"):
        bodies = [b for f, b in events if f == function] * 2
        rng.shuffle(bodies)
        for start in range(0, len(bodies), 3):
            assert failures_of(stack, function, sqs_event(*bodies[start : start + 3])) == set()
    assert booked_count(stack, pid) == 2
    assert _remaining(stack, pid) == 30 - 2
    _, summary = performance_bookings(stack, pid)
    counts = ("confirmedTickets", "pendingBookings", "failedBookings", "expiredBookings", "cancelledTickets")
    assert tuple(summary[k] for k in counts) == (2, 0, 1, 1, 4)
    assert summary["grades"][0] | {"price": 0} == {"grade": "R", "price": 0, "seats": 30, "sold": 2, "held": 0,
                                                   "remaining": 28, "revenue": 2 * PRICE}  # fmt: skip
