"""Taking the money: every branch of a paid booking, its retries, its expiry and its refund, on the domain with an
in-memory store, an in-memory provider and the breaker as production builds it (state in memory)."""

from __future__ import annotations

import pytest

from boxoffice.bookings import checkout, refunds, service
from boxoffice.bookings.checkout import Outcome
from boxoffice.contracts import (
    BookingExpired,
    PaymentFailed,
    PaymentPending,
    RefundCompleted,
    RefundFailed,
    TicketBooked,
    TicketCancelled,
    new_event,
)
from boxoffice.errors import InvalidRequest
from boxoffice.models import BookTicketInput
from boxoffice.payments import breaker
from boxoffice.payments.breaker import BreakerOpen
from boxoffice.payments.port import ProviderUnavailable
from tests.fakes import FakeBookingsStore, FakeProvider, memory_breaker

PID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
DETAILS = {
    "performanceId": PID, "organizerId": "org-1", "title": "Mahler 2", "venue": "Hall",
    "startsAt": "2030-01-01T19:30:00+09:00", "capacity": 14, "maxPerCustomer": 4,
    "grades": [{"grade": "R", "price": 150_000, "seats": 4}, {"grade": "FREE", "price": 0, "seats": 10}],
}  # fmt: skip


@pytest.fixture
def world(monkeypatch):
    store, provider, guard = FakeBookingsStore(), FakeProvider(), memory_breaker(fail_max=3, reset_timeout=60)
    for module in (service, checkout, refunds):
        monkeypatch.setattr(module, "store", store)
    monkeypatch.setattr(checkout, "payment_provider", lambda: provider)
    monkeypatch.setattr(refunds, "payment_provider", lambda: provider)
    monkeypatch.setattr(breaker, "breaker", lambda: guard)
    monkeypatch.setenv(checkout.HOLD_MINUTES, "10")
    service._performance_facts.cache_clear()
    service.open_for_sale(DETAILS)
    yield store, provider, guard
    service._performance_facts.cache_clear()


def _book(customer="alice", quantity=2, grade="R", method: str | None = "pm_card_visa"):
    request = BookTicketInput(performanceId=PID, quantity=quantity, grade=grade, paymentMethod=method)
    return service.book(customer, request, correlation_id="req")


def _kinds(store) -> list[type]:
    return [type(e) for e in store.events]


def test_paid_is_confirmed_with_one_intent_of_the_amount_and_only_then_booked(world):
    store, provider, _ = world
    settled = _book(quantity=2)
    booking = settled["booking"]
    assert (settled["outcome"], booking["status"], booking["amount"]) == (Outcome.CONFIRMED, "CONFIRMED", 300_000)
    [intent] = provider.intents.values()
    assert (intent["id"], intent["amount"], intent["bookingId"]) == (
        booking["paymentId"],
        300_000,
        booking["bookingId"],
    )
    assert provider.calls == ["create", "confirm"]
    assert _kinds(store) == [TicketBooked]  # nothing published while it was only held
    assert "holdExpiresAt" not in store.bookings[booking["bookingId"]]


def test_a_paid_grade_needs_a_payment_method_and_a_free_one_ignores_it(world):
    store, provider, _ = world
    with pytest.raises(InvalidRequest) as caught:
        _book(method=None)
    assert caught.value.code == "PAYMENT_METHOD_REQUIRED"
    assert store.bookings == {}
    free = _book(grade="FREE", method="pm_card_visa")["booking"]
    assert (free["status"], free["amount"]) == ("CONFIRMED", 0)
    assert "paymentMethod" not in free
    assert provider.calls == []


@pytest.mark.parametrize(
    ("method", "outcome", "why"),
    [
        ("pm_card_chargeCustomerFail", Outcome.DECLINED, "Your card was declined."),
        ("pm_card_authenticationRequired", Outcome.ACTION_REQUIRED, "authentication"),
        ("pm_does_not_exist", Outcome.DECLINED, "No such PaymentMethod"),
    ],
)
def test_a_refused_payment_fails_the_booking_and_gives_the_seats_and_the_limit_back_at_once(
    world, method, outcome, why
):
    store, provider, guard = world
    settled = _book(quantity=3, method=method)
    booking = settled["booking"]
    assert (settled["outcome"], booking["status"]) == (outcome, "PAYMENT_FAILED")
    assert why in settled["reason"]
    assert store.inventories[PID]["available"]["R"] == 4
    assert store.held[(PID, "alice")] == 0
    assert _kinds(store) == [PaymentFailed]
    assert provider.succeeded() == []
    assert guard.current_state == "closed"  # a refusal is an answer, not the provider failing
    if outcome is Outcome.ACTION_REQUIRED:
        assert provider.calls[-1] == "cancel"  # the unconfirmed intent is given up


def test_with_the_provider_down_the_booking_waits_pending_with_its_seats(world):
    store, provider, _ = world
    provider.down = True
    settled = _book(quantity=2)
    booking = settled["booking"]
    assert (settled["outcome"], booking["status"]) == (Outcome.PENDING, "PAYMENT_PENDING")
    assert store.inventories[PID]["available"]["R"] == 2
    assert store.held[(PID, "alice")] == 2
    [pending] = store.events
    assert isinstance(pending, PaymentPending)
    assert pending.data.holdExpiresAt == booking["holdExpiresAt"]


def test_the_retry_settles_it_once_the_provider_is_back_and_raises_while_it_is_not(world):
    store, provider, _ = world
    provider.down = True
    _book(quantity=2)
    pending = store.events[-1]
    with pytest.raises(ProviderUnavailable):
        service.retry_payment(pending)
    provider.down = False
    service.retry_payment(pending)
    booking = store.bookings[pending.data.bookingId]
    assert booking["status"] == "CONFIRMED"
    assert len(provider.succeeded()) == 1
    service.retry_payment(pending)  # a redelivery after it settled changes nothing
    assert len(provider.intents) == 1
    assert _kinds(store) == [PaymentPending, TicketBooked]


def test_an_answer_lost_after_the_charge_is_found_again_never_charged_twice(world):
    store, provider, _ = world
    provider.lose_confirm_answers = True  # the charge goes through, its answer times out
    settled = _book(quantity=1)
    assert settled["outcome"] is Outcome.PENDING
    provider.lose_confirm_answers = False
    service.retry_payment(store.events[-1])
    assert store.bookings[settled["booking"]["bookingId"]]["status"] == "CONFIRMED"
    assert len(provider.intents) == 1  # the recorded intent was looked up, not a second one created
    assert provider.calls.count("create") == 1


def test_the_breaker_opens_after_the_failures_and_then_answers_without_calling(world):
    store, provider, guard = world
    provider.down = True
    for n in range(3):
        assert _book(customer=f"c{n}", quantity=1)["outcome"] is Outcome.PENDING
    assert guard.current_state == "open"
    calls = len(provider.calls)
    provider.down = False  # even back: while open, nothing is tried
    assert _book(customer="c9", quantity=1)["outcome"] is Outcome.PENDING
    assert len(provider.calls) == calls
    with pytest.raises(BreakerOpen):
        service.retry_payment(store.events[-1])


def test_after_the_reset_time_one_trial_call_closes_the_breaker(world):
    _, provider, guard = world
    provider.down = True
    for n in range(3):
        _book(customer=f"c{n}", quantity=1)
    provider.down = False
    guard.reset_timeout = 0  # the reset time has passed
    assert _book(customer="c9", quantity=1)["outcome"] is Outcome.CONFIRMED
    assert guard.current_state == "closed"


def test_a_hold_that_runs_out_is_expired_once_with_its_seats_back(world, monkeypatch):
    store, provider, _ = world
    provider.down = True
    booking = _book(quantity=2)["booking"]
    monkeypatch.setattr(service, "now_iso", lambda: "2999-01-01T00:00:00.000Z")
    assert service.expire_due_holds(correlation_id="sweep") == 1
    assert service.expire_due_holds(correlation_id="sweep") == 0
    stored = store.bookings[booking["bookingId"]]
    assert stored["status"] == "EXPIRED"
    assert store.inventories[PID]["available"]["R"] == 4
    assert store.held[(PID, "alice")] == 0
    assert _kinds(store) == [PaymentPending, BookingExpired]


def test_a_hold_whose_intent_was_paid_after_all_is_confirmed_not_expired(world, monkeypatch):
    store, provider, _ = world
    provider.lose_confirm_answers = True
    booking = _book(quantity=1)["booking"]
    provider.lose_confirm_answers = False
    monkeypatch.setattr(service, "now_iso", lambda: "2999-01-01T00:00:00.000Z")
    service.expire_due_holds(correlation_id="sweep")
    assert store.bookings[booking["bookingId"]]["status"] == "CONFIRMED"
    assert store.inventories[PID]["available"]["R"] == 3


def test_a_hold_expires_even_with_the_provider_down_and_its_intent_is_settled_later(world, monkeypatch):
    store, provider, _ = world
    provider.lose_confirm_answers = True
    booking = _book(quantity=1)["booking"]
    provider.lose_confirm_answers, provider.down = False, True
    monkeypatch.setattr(service, "now_iso", lambda: "2999-01-01T00:00:00.000Z")
    service.expire_due_holds(correlation_id="sweep")
    assert store.bookings[booking["bookingId"]]["status"] == "EXPIRED"
    expired = store.events[-1]
    assert isinstance(expired, BookingExpired)
    assert expired.data.paymentId == booking["paymentId"]
    provider.down = False
    refunds.settle_expired(expired)  # it had been paid: the money goes back, once
    refunds.settle_expired(expired)
    assert provider.refunds == [(booking["paymentId"], 150_000)]
    assert store.bookings[booking["bookingId"]]["refund"] == {"status": "REFUNDED"}


def _cancelled(store, booking_id: str, reason="CUSTOMER") -> TicketCancelled:
    return next(e for e in store.events if isinstance(e, TicketCancelled) and e.data.bookingId == booking_id)


def test_a_cancelled_paid_booking_is_refunded_once_whatever_the_redeliveries(world):
    store, provider, _ = world
    booking = _book(quantity=2)["booking"]
    cancelled = service.cancel("alice", booking["bookingId"], correlation_id="r")
    assert (cancelled["status"], cancelled["refund"]) == ("CANCELLED", {"status": "PENDING"})
    assert store.inventories[PID]["available"]["R"] == 4
    event = _cancelled(store, booking["bookingId"])
    assert event.data.paymentId == booking["paymentId"]
    for _ in range(3):
        refunds.refund_cancelled(event)
    assert provider.refunds == [(booking["paymentId"], 300_000)]
    assert store.bookings[booking["bookingId"]]["refund"] == {"status": "REFUNDED"}
    assert _kinds(store)[-1] is RefundCompleted


def test_a_refund_made_but_not_recorded_is_not_made_again(world):
    store, provider, _ = world
    booking = _book(quantity=1)["booking"]
    service.cancel("alice", booking["bookingId"], correlation_id="r")
    provider.refunds.append((booking["paymentId"], 150_000))  # refunded, then the function died before recording it
    refunds.refund_cancelled(_cancelled(store, booking["bookingId"]))
    assert provider.refunds == [(booking["paymentId"], 150_000)]
    assert store.bookings[booking["bookingId"]]["refund"] == {"status": "REFUNDED"}


def test_with_the_provider_down_a_refund_waits_and_is_retried(world):
    store, provider, _ = world
    booking = _book(quantity=1)["booking"]
    service.cancel("alice", booking["bookingId"], correlation_id="r")
    provider.down = True
    with pytest.raises(ProviderUnavailable):
        refunds.refund_cancelled(_cancelled(store, booking["bookingId"]))
    assert store.bookings[booking["bookingId"]]["refund"] == {"status": "PENDING"}
    provider.down = False
    refunds.refund_cancelled(_cancelled(store, booking["bookingId"]))
    assert provider.refunds == [(booking["paymentId"], 150_000)]


def test_a_refused_refund_is_recorded_failed_and_a_redrive_after_the_fix_refunds_it(world):
    store, provider, _ = world
    booking = _book(quantity=1)["booking"]
    service.cancel("alice", booking["bookingId"], correlation_id="r")
    provider.refuse_refunds = True
    with pytest.raises(refunds.RefundNotMade):
        refunds.refund_cancelled(_cancelled(store, booking["bookingId"]))
    assert store.bookings[booking["bookingId"]]["refund"] == {"status": "FAILED"}
    assert _kinds(store)[-1] is RefundFailed
    provider.refuse_refunds = False
    refunds.refund_cancelled(_cancelled(store, booking["bookingId"]))
    assert store.bookings[booking["bookingId"]]["refund"] == {"status": "REFUNDED"}


def test_a_free_booking_cancelled_owes_nothing(world):
    store, provider, _ = world
    booking = _book(grade="FREE", method=None)["booking"]
    cancelled = service.cancel("alice", booking["bookingId"], correlation_id="r")
    assert "refund" not in cancelled
    refunds.refund_cancelled(_cancelled(store, booking["bookingId"]))
    assert provider.calls == []


@pytest.mark.parametrize("status", ["HELD", "PAYMENT_PENDING", "PAYMENT_FAILED", "EXPIRED", "CANCELLED"])
def test_only_a_confirmed_booking_can_be_cancelled_by_its_customer(status):
    assert service.cancellable({"status": status}) is False


def test_the_pending_event_carries_what_the_retry_needs():
    data = {"bookingId": "B", "performanceId": "P", "customerId": "c", "grade": "R", "quantity": 1, "unitPrice": 1,
            "amount": 1, "createdAt": "t", "title": "t", "startsAt": "s", "organizerId": "o",
            "holdExpiresAt": "h"}  # fmt: skip
    event = new_event(PaymentPending, data, correlation_id="c", causation_id="c")
    assert (event.data.holdExpiresAt, event.data.paymentId) == ("h", None)
