"""Money back: a paid booking cancelled (by its customer or with its performance), or a hold that ran out while its
payment went through after all. Driven by events, retried from a queue while the provider is away.

Never twice: before refunding, the provider is asked how much of the payment it has already refunded, and only
the rest is refunded (the provider's own idempotency key is a second guard, where it honours one). A refund the
provider refuses is recorded FAILED and its message retried, then parked in the queue's DLQ (alarmed); after a
person has looked, a redrive tries again.
"""

from __future__ import annotations

from boxoffice.bookings import store
from boxoffice.bookings.checkout import payment_provider
from boxoffice.bookings.records import BookingRecord
from boxoffice.clock import now_iso
from boxoffice.contracts import BookingExpired, RefundCompleted, RefundFailed, TicketCancelled, new_event
from boxoffice.observability import logger, metrics
from boxoffice.payments.breaker import guarded
from boxoffice.payments.port import ChargeStatus, RefundRefused


class RefundNotMade(Exception):
    """The provider refused the refund; the booking shows it FAILED until a redrive succeeds."""


def _refund_data(booking: BookingRecord, payment_id: str) -> dict[str, object]:
    return {
        "bookingId": booking["bookingId"],
        "performanceId": booking["performanceId"],
        "customerId": booking["customerId"],
        "amount": booking["amount"],
        "currency": booking["currency"],
        "paymentId": payment_id,
        "at": now_iso(),
    }


def _refund(booking: BookingRecord, payment_id: str, correlation_id: str, causation_id: str) -> None:
    provider = payment_provider()
    try:
        already = guarded(lambda: provider.refunded(payment_id))
        if already < booking["amount"]:
            guarded(
                lambda: provider.refund(
                    booking_id=booking["bookingId"], payment_id=payment_id, amount=booking["amount"] - already
                )
            )
    except RefundRefused as exc:
        failed = new_event(
            RefundFailed, {**_refund_data(booking, payment_id), "reason": str(exc)},
            correlation_id=correlation_id, causation_id=causation_id,
        )  # fmt: skip
        store.set_refund(booking, "FAILED", ("PENDING",), failed)
        metrics.add_metric(name="RefundsFailed", unit="Count", value=1)
        raise RefundNotMade(str(exc)) from exc
    done = new_event(
        RefundCompleted, _refund_data(booking, payment_id), correlation_id=correlation_id, causation_id=causation_id
    )
    if store.set_refund(booking, "REFUNDED", ("PENDING", "FAILED"), done):
        metrics.add_metric(name="Refunds", unit="Count", value=1)
        logger.info("refunded", extra={"bookingId": booking["bookingId"], "amount": booking["amount"]})


def refund_cancelled(event: TicketCancelled) -> None:
    """A paid booking was cancelled: refund it, once."""
    data = event.data
    if not data.paymentId or data.amount <= 0:
        return
    booking = store.get_booking(data.performanceId, data.bookingId)
    if booking is None or booking.get("refund", {}).get("status") == "REFUNDED":
        return
    _refund(booking, data.paymentId, event.metadata.correlationId, event.metadata.eventId)


def settle_expired(event: BookingExpired) -> None:
    """A hold ran out while its payment intent's fate was unknown: cancel the intent, or refund it if it was paid."""
    data = event.data
    if not data.paymentId:
        return
    provider = payment_provider()
    payment_id = data.paymentId
    charge = guarded(lambda: provider.look_up(payment_id))
    if charge.status not in (ChargeStatus.SUCCEEDED, ChargeStatus.CANCELLED, ChargeStatus.DECLINED):
        charge = guarded(lambda: provider.cancel(payment_id))
    if charge.status is not ChargeStatus.SUCCEEDED:
        return
    booking = store.get_booking(data.performanceId, data.bookingId)
    if booking is None or booking.get("refund", {}).get("status") == "REFUNDED":
        return
    store.owe_refund(booking)
    _refund(booking, payment_id, event.metadata.correlationId, event.metadata.eventId)
