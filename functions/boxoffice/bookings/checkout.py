"""Taking the money for a booking whose seats are held, through the payment port and the shared circuit breaker.

Never a second charge: the intent to pay is created (nothing charged), its id recorded on the booking, and only
then confirmed; a retry (the same request again, the retry queue, the expiry sweep) finds the recorded intent and
looks it up instead of creating another. The provider being slow, down or behind an open breaker is not an answer:
the booking waits as PAYMENT_PENDING with its seats, and the charge is retried from a queue until it is settled or
the hold runs out.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import NotRequired, TypedDict

from boxoffice import config
from boxoffice.bookings import store
from boxoffice.bookings.records import BookingRecord
from boxoffice.clock import iso, now, now_iso
from boxoffice.contracts import BookingExpired, PaymentFailed, PaymentPending, TicketBooked, new_event
from boxoffice.observability import logger, metrics
from boxoffice.payments.breaker import BreakerOpen, guarded
from boxoffice.payments.port import Charge, ChargeStatus, PaymentProvider, ProviderUnavailable

HOLD_MINUTES = "HOLD_MINUTES"
_NOT_EVENT_DATA = ("status", "holdExpiresAt", "paymentMethod", "paymentId", "failureReason", "failedAt", "expiredAt",
                   "refund", "cancelReason", "cancelledAt")  # fmt: skip


class Outcome(StrEnum):
    CONFIRMED = "CONFIRMED"  # paid (or free)
    PENDING = "PENDING"  # the charge is retried; the seats are held until holdExpiresAt
    DECLINED = "DECLINED"  # the card was declined; the seats are back
    ACTION_REQUIRED = "ACTION_REQUIRED"  # the card needs authentication; the seats are back


class Settled(TypedDict):
    """What became of a booking's payment, with the booking as it now stands."""

    outcome: Outcome
    booking: BookingRecord
    reason: NotRequired[str]


def hold_expiry() -> str:
    return iso(now() + timedelta(minutes=int(config.env(HOLD_MINUTES))))


def payment_provider() -> PaymentProvider:
    from boxoffice.payments.stripe_provider import provider

    return provider()


def event_data(booking: BookingRecord) -> dict[str, object]:
    """What every booking event carries of the booking."""
    return {k: v for k, v in booking.items() if k not in _NOT_EVENT_DATA}


def _attempt(provider: PaymentProvider, booking: BookingRecord) -> Charge:
    """One try at charging the booking, never with a second intent."""
    payment_id = booking.get("paymentId")
    if payment_id:
        charge = provider.look_up(payment_id)
    else:
        charge = provider.create(
            booking_id=booking["bookingId"],
            amount=booking["amount"],
            currency=booking["currency"],
            payment_method=booking["paymentMethod"],
        )
        if not charge.payment_id:  # refused before an intent existed (e.g. no such payment method)
            return charge
        recorded = store.record_payment(booking, charge.payment_id)
        booking["paymentId"] = recorded
        if recorded != charge.payment_id:  # another attempt's intent stands; this one is never confirmed
            charge = provider.look_up(recorded)
    if charge.status is ChargeStatus.CREATED:
        charge = provider.confirm(charge.payment_id)
    return charge


def settle(booking: BookingRecord, *, correlation_id: str, causation_id: str, first: bool) -> Settled:
    """Charge a HELD or PAYMENT_PENDING booking and move it to what the provider answered.

    On the first attempt (the customer is waiting) an unavailable provider or an open breaker makes the booking
    PAYMENT_PENDING at once. On a retry it raises (ProviderUnavailable, BreakerOpen, or Unsettled while the
    provider is still deciding), so the retry queue tries again later.
    """
    provider = payment_provider()
    try:
        charge = guarded(lambda: _attempt(provider, booking))
    except (ProviderUnavailable, BreakerOpen) as exc:
        logger.warning("payment provider unavailable", extra={"bookingId": booking["bookingId"], "error": str(exc)})
        if first:
            return _pending(booking, correlation_id, causation_id)
        raise
    except store.Moved:
        return _as_it_stands(booking)
    match charge.status:
        case ChargeStatus.SUCCEEDED:
            return _confirm(booking, charge.payment_id, correlation_id, causation_id)
        case ChargeStatus.DECLINED:
            return _fail(booking, Outcome.DECLINED, charge.reason or "declined", correlation_id, causation_id)
        case ChargeStatus.ACTION_REQUIRED:
            # Authenticating in the browser is a later step: give the intent up, and the seats back.
            _give_up(provider, charge.payment_id)
            reason = "the card needs authentication (3-D Secure), which is not supported yet"
            return _fail(booking, Outcome.ACTION_REQUIRED, reason, correlation_id, causation_id)
        case ChargeStatus.CANCELLED:
            return _fail(booking, Outcome.DECLINED, "the payment was cancelled", correlation_id, causation_id)
        case _:  # the provider has not decided yet
            if first:
                return _pending(booking, correlation_id, causation_id)
            raise Unsettled(booking["bookingId"])


class Unsettled(Exception):
    """The provider has not decided yet: try again later."""


def _give_up(provider: PaymentProvider, payment_id: str) -> None:
    try:
        guarded(lambda: provider.cancel(payment_id))
    except (ProviderUnavailable, BreakerOpen):
        logger.warning("could not cancel an unconfirmed payment intent", extra={"paymentId": payment_id})


def _as_it_stands(booking: BookingRecord) -> Settled:
    current = store.get_booking(booking["performanceId"], booking["bookingId"]) or booking
    outcome = {
        "CONFIRMED": Outcome.CONFIRMED,
        "HELD": Outcome.PENDING,
        "PAYMENT_PENDING": Outcome.PENDING,
    }.get(current["status"], Outcome.DECLINED)
    settled = Settled(outcome=outcome, booking=current)
    if "failureReason" in current:
        settled["reason"] = current["failureReason"]
    return settled


def _pending(booking: BookingRecord, correlation_id: str, causation_id: str) -> Settled:
    event = new_event(
        PaymentPending,
        {**event_data(booking), "holdExpiresAt": booking["holdExpiresAt"], "paymentId": booking.get("paymentId")},
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
    if not store.mark_pending(booking, event):
        return _as_it_stands(booking)
    metrics.add_metric(name="PaymentsPending", unit="Count", value=1)
    return Settled(outcome=Outcome.PENDING, booking={**booking, "status": "PAYMENT_PENDING"})


def _confirm(booking: BookingRecord, payment_id: str, correlation_id: str, causation_id: str) -> Settled:
    event = new_event(
        TicketBooked, {**event_data(booking), "paymentId": payment_id}, correlation_id=correlation_id,
        causation_id=causation_id,
    )  # fmt: skip
    if not store.confirm_paid(booking, payment_id, event):
        # It expired meanwhile: the refunds consumer of BookingExpired finds the intent paid and refunds it.
        logger.warning("paid after the hold ran out", extra={"bookingId": booking["bookingId"]})
        return _as_it_stands(booking)
    confirmed: BookingRecord = {**booking, "status": "CONFIRMED", "paymentId": payment_id}
    confirmed.pop("holdExpiresAt", None)
    return Settled(outcome=Outcome.CONFIRMED, booking=confirmed)


def _fail(booking: BookingRecord, outcome: Outcome, reason: str, correlation_id: str, causation_id: str) -> Settled:
    failed_at = now_iso()
    event = new_event(
        PaymentFailed, {**event_data(booking), "failedAt": failed_at, "reason": reason},
        correlation_id=correlation_id, causation_id=causation_id,
    )  # fmt: skip
    fields = {"failureReason": reason, "failedAt": failed_at}
    if not store.release_hold(booking, "PAYMENT_FAILED", fields, event):
        return _as_it_stands(booking)
    metrics.add_metric(name="PaymentsDeclined", unit="Count", value=1)
    failed: BookingRecord = {**booking, "status": "PAYMENT_FAILED", "failureReason": reason, "failedAt": failed_at}
    failed.pop("holdExpiresAt", None)
    return Settled(outcome=outcome, booking=failed, reason=reason)


def expire(booking: BookingRecord, *, correlation_id: str) -> str:
    """A hold that ran out: EXPIRED with its seats back, exactly once; or CONFIRMED if the provider says it was in
    fact paid. With the provider out of reach it expires anyway: the refunds consumer of BookingExpired looks the
    intent up again later and refunds it if it turns out paid."""
    payment_id = booking.get("paymentId")
    if payment_id:
        provider = payment_provider()
        try:
            charge = guarded(lambda: provider.look_up(payment_id))
            if charge.status in (ChargeStatus.CREATED, ChargeStatus.ACTION_REQUIRED, ChargeStatus.PROCESSING):
                charge = guarded(lambda: provider.cancel(payment_id))
            if charge.status is ChargeStatus.SUCCEEDED:
                return _confirm(booking, payment_id, correlation_id, correlation_id)["booking"]["status"]
        except (ProviderUnavailable, BreakerOpen):
            logger.warning("expiring without the provider's word", extra={"bookingId": booking["bookingId"]})
    expired_at = now_iso()
    event = new_event(
        BookingExpired, {**event_data(booking), "expiredAt": expired_at, "paymentId": payment_id},
        correlation_id=correlation_id, causation_id=correlation_id,
    )  # fmt: skip
    if store.release_hold(booking, "EXPIRED", {"expiredAt": expired_at}, event):
        metrics.add_metric(name="HoldsExpired", unit="Count", value=1)
        return "EXPIRED"
    return _as_it_stands(booking)["booking"]["status"]
