"""Ticket booking: book and cancel, keep the seat inventory, cancel every booking of a cancelled performance.

Nothing here calls performance management: what it needs of a performance arrives as events.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from boxoffice.bookings import store
from boxoffice.clock import new_id, now_iso
from boxoffice.contracts import CancelReason, EventType, PerformanceCancelledData, new_event
from boxoffice.errors import NotFound, PerformanceIsCancelled, SoldOut
from boxoffice.observability import logger

if TYPE_CHECKING:  # the HTTP models: queue consumers that use this module need not load them
    from boxoffice.models import BookTicketInput

BOOKING_FIELDS = (
    "bookingId",
    "performanceId",
    "customerId",
    "quantity",
    "status",
    "cancelReason",
    "createdAt",
    "cancelledAt",
)
_PERFORMANCE_FIELDS = ("title", "startsAt", "organizerId")
# A transaction holds at most 100 items and each cancellation writes two.
CANCEL_CHUNK = 50


def public(booking: dict) -> dict:
    return {k: booking.get(k) for k in BOOKING_FIELDS}


def _event_data(booking: dict) -> dict:
    return {
        k: booking[k]
        for k in ("bookingId", "performanceId", "customerId", "quantity", "createdAt", *_PERFORMANCE_FIELDS)
    }


def _not_found() -> NotFound:
    return NotFound("no performance with this id is open for booking", code="PERFORMANCE_NOT_FOUND")


# A registered performance's title, start and organizer never change, so a warm function keeps them once it has read
# them: its next bookings of that performance are one transaction, not a read and a transaction. Whether seats are
# left and whether the performance was cancelled since is never taken from here: the transaction's condition on the
# inventory decides that. Unknown and cancelled performances raise, so they are never kept.
@lru_cache(maxsize=4096)
def _performance_fields(performance_id: str) -> dict:
    inventory = store.get_inventory(performance_id)
    if inventory is None or "capacity" not in inventory:
        raise _not_found()
    if inventory["status"] == "CANCELLED":
        raise PerformanceIsCancelled("this performance has been cancelled")
    return {k: inventory[k] for k in _PERFORMANCE_FIELDS}


def book(customer_id: str, request: BookTicketInput, *, correlation_id: str) -> dict:
    booking = {
        "bookingId": new_id(),
        "performanceId": request.performanceId,
        "customerId": customer_id,
        "quantity": request.quantity,
        "status": "CONFIRMED",
        "createdAt": now_iso(),
        **_performance_fields(request.performanceId),
    }
    event = new_event(
        EventType.TICKET_BOOKED, _event_data(booking), correlation_id=correlation_id, causation_id=correlation_id
    )
    try:
        store.insert_booking(booking, event)
    except store.SeatsRefused as refused:
        now = refused.inventory
        if now is None:
            raise _not_found() from None
        if now.get("status") == "CANCELLED":
            raise PerformanceIsCancelled("this performance has been cancelled") from None
        raise SoldOut(f"only {now.get('available', 0)} seats are left for this performance") from None
    return public(booking)


def _owned_booking(customer_id: str, booking_id: str) -> dict:
    ref = store.get_ref(booking_id)
    # Someone else's booking is as unknown to you as one that does not exist.
    if ref is None or ref["customerId"] != customer_id:
        raise NotFound("no booking with this id", code="BOOKING_NOT_FOUND")
    return store.get_booking(ref["performanceId"], booking_id)


def _cancellation_event(booking: dict, cancelled_at: str, reason: CancelReason, correlation_id: str, causation_id: str):
    return new_event(
        EventType.TICKET_CANCELLED,
        {**_event_data(booking), "cancelledAt": cancelled_at, "reason": reason},
        correlation_id=correlation_id,
        causation_id=causation_id,
    )


def cancel(customer_id: str, booking_id: str, *, correlation_id: str) -> dict:
    """A customer cancels their booking; the seats go back at once. Cancelling again changes nothing."""
    booking = _owned_booking(customer_id, booking_id)
    if booking["status"] == "CONFIRMED":
        cancelled_at = now_iso()
        event = _cancellation_event(booking, cancelled_at, CancelReason.CUSTOMER, correlation_id, correlation_id)
        store.cancel_booking(booking, cancelled_at, CancelReason.CUSTOMER, event, return_seats=True)
        # Whether we or a concurrent cancellation won, the booking is now CANCELLED.
        booking = store.get_booking(booking["performanceId"], booking_id)
    return public(booking)


def open_for_sale(details: dict) -> None:
    store.open_inventory(details)


def cancel_performance_bookings(
    cancelled: PerformanceCancelledData,
    *,
    correlation_id: str,
    causation_id: str,
    page_size: int = 500,
    keep_going: Callable[[], bool] = lambda: True,
) -> int:
    """Close sales, then cancel every CONFIRMED booking of the performance; returns how many it cancelled.

    Safe to run again after a stop at any point: it only ever picks up bookings still CONFIRMED.
    Sales close first, so no booking can appear behind the pages already read.
    `keep_going` lets the caller stop between chunks (e.g. when Lambda time runs short).
    """
    details = cancelled.model_dump()
    store.close_inventory(details)
    cancelled_count = 0
    for page in store.confirmed_bookings(cancelled.performanceId, page_size):
        for start in range(0, len(page), CANCEL_CHUNK):
            if not keep_going():
                raise TimeoutError(
                    f"stopped after cancelling {cancelled_count} bookings; the rest follow on redelivery"
                )
            chunk = page[start : start + CANCEL_CHUNK]
            at = now_iso()
            reason = CancelReason.PERFORMANCE_CANCELLED
            work = [(b, at, reason, _cancellation_event(b, at, reason, correlation_id, causation_id)) for b in chunk]
            if store.cancel_bookings_together(work):
                cancelled_count += len(work)
                continue
            # A customer cancelled one of them meanwhile: go one by one, skipping those.
            for booking, at, reason, event in work:
                if store.cancel_booking(booking, at, reason, event, return_seats=False):
                    cancelled_count += 1
    logger.info(
        "performance bookings cancelled", extra={"performanceId": cancelled.performanceId, "count": cancelled_count}
    )
    return cancelled_count
