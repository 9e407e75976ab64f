"""Ticket booking: book and cancel, keep the seat inventory, cancel every booking of a cancelled performance.

Nothing here calls performance management: what it needs of a performance arrives as events.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from boxoffice.bookings import checkout, store
from boxoffice.bookings.checkout import Outcome, Settled
from boxoffice.bookings.records import BookingRecord, InventoryRecord, PerformanceDetails, PerformanceFacts
from boxoffice.bookings.store import Cancellation
from boxoffice.clock import new_id, now_iso
from boxoffice.contracts import (
    CancelReason,
    PaymentPending,
    PerformanceCancelledData,
    PerformanceData,
    TicketBooked,
    TicketCancelled,
    new_event,
)
from boxoffice.errors import DomainError, InvalidRequest, LimitExceeded, NotFound, PerformanceIsCancelled, SoldOut
from boxoffice.observability import logger

if TYPE_CHECKING:  # the HTTP models: queue consumers that use this module need not load them
    from boxoffice.models import BookTicketInput

# A transaction holds at most 100 items: each cancellation writes two, and each customer among them one more.
CANCEL_CHUNK = 30


def _not_found() -> NotFound:
    return NotFound("no performance with this id is open for booking", code="PERFORMANCE_NOT_FOUND")


def refusal(inventory: InventoryRecord | None, grade: str) -> DomainError:
    """Why the inventory refused seats of `grade`, as the customer is told: unknown, cancelled or sold out."""
    if inventory is None or "capacity" not in inventory:
        return _not_found()
    if inventory["status"] == "CANCELLED":
        return PerformanceIsCancelled("this performance has been cancelled")
    left = inventory.get("available", {}).get(grade, 0)
    return SoldOut(
        f"only {left} {grade} seats are left for this performance",
        details={"grade": grade, "remaining": left},
    )


def over_limit(held: int, limit: int) -> LimitExceeded:
    allowed = max(limit - held, 0)
    return LimitExceeded(
        f"one customer may hold {limit} tickets for this performance; you may book {allowed} more",
        details={"limit": limit, "allowed": allowed},
    )


# A registered performance's title, start, organizer, prices and limit never change, so a warm function keeps them
# once it has read them: its next bookings of that performance are one transaction, not a read and a transaction.
# Whether seats are left, whether the customer is within the limit, and whether the performance was cancelled since
# are never taken from here: the transaction's conditions decide those. Unknown and cancelled performances raise, so
# they are never kept.
@lru_cache(maxsize=4096)
def _performance_facts(performance_id: str) -> PerformanceFacts:
    inventory = store.get_inventory(performance_id)
    if inventory is None or "capacity" not in inventory or inventory["status"] == "CANCELLED":
        raise refusal(inventory, "")
    return {
        "title": inventory["title"],
        "startsAt": inventory["startsAt"],
        "organizerId": inventory["organizerId"],
        "prices": {grade: terms["price"] for grade, terms in inventory.get("grades", {}).items()},
        "maxPerCustomer": inventory.get("maxPerCustomer", 10),
        "kind": inventory.get("kind", "CONCERT"),
        "teams": inventory.get("teams"),
    }


def choose_grade(prices: dict[str, int], asked: str | None) -> str:
    """The grade a booking is for: the one asked for, or the only one there is."""
    if asked is None:
        if len(prices) == 1:
            return next(iter(prices))
        raise InvalidRequest(f"choose a grade: {', '.join(sorted(prices))}", code="GRADE_REQUIRED")
    if asked not in prices:
        raise InvalidRequest(
            f"this performance has no grade {asked}; its grades are {', '.join(sorted(prices))}", code="GRADE_NOT_FOUND"
        )
    return asked


def pick(facts: PerformanceFacts, team: str | None, stake: int | None) -> tuple[str | None, int]:
    """A match ticket's team (required, one of the match's) and stake (0 if not given); a concert takes neither."""
    if facts["kind"] != "MATCH":
        if team is not None or stake is not None:
            raise InvalidRequest("only a match ticket takes a team and a stake", code="NOT_A_MATCH")
        return None, 0
    teams = facts["teams"] or []
    if team is None:
        raise InvalidRequest(f"pick a team: {', '.join(teams)}", code="TEAM_REQUIRED")
    if team not in teams:
        raise InvalidRequest(f"this match has no team {team}; its teams are {', '.join(teams)}", code="TEAM_NOT_FOUND")
    return team, stake or 0


def book(customer_id: str, request: BookTicketInput, *, correlation_id: str) -> Settled:
    """Take the seats, then take the money: a free booking is CONFIRMED at once; a paid one is HELD while it is
    charged, and answers CONFIRMED, PAYMENT_FAILED (declined, or authentication required) or PAYMENT_PENDING."""
    facts = _performance_facts(request.performanceId)
    grade = choose_grade(facts["prices"], request.grade)
    price = facts["prices"][grade]
    team, stake = pick(facts, request.team, request.stake)
    amount = price * request.quantity + stake
    payment_method = request.paymentMethod if amount > 0 else None  # ignored for free tickets
    if amount > 0 and payment_method is None:
        raise InvalidRequest("this booking costs money: send a paymentMethod", code="PAYMENT_METHOD_REQUIRED")
    booking: BookingRecord = {
        "bookingId": new_id(),
        "performanceId": request.performanceId,
        "customerId": customer_id,
        "grade": grade,
        "quantity": request.quantity,
        "unitPrice": price,
        "amount": amount,
        "currency": "KRW",
        "status": "CONFIRMED" if amount == 0 else "HELD",
        "createdAt": now_iso(),
        "title": facts["title"],
        "startsAt": facts["startsAt"],
        "organizerId": facts["organizerId"],
        "kind": facts["kind"],
    }
    if team is not None:
        booking["team"], booking["stake"] = team, stake
    if payment_method is not None:
        booking["holdExpiresAt"] = checkout.hold_expiry()
        booking["paymentMethod"] = payment_method
    # A free booking says so at once; a paid one only when it is paid.
    event = (
        new_event(
            TicketBooked, checkout.event_data(booking), correlation_id=correlation_id, causation_id=correlation_id
        )
        if amount == 0
        else None
    )
    try:
        store.insert_booking(booking, event, facts["maxPerCustomer"])
    except store.SeatsRefused as refused:
        raise refusal(refused.inventory, grade) from None
    except store.LimitRefused as refused:
        raise over_limit(refused.held, facts["maxPerCustomer"]) from None
    if amount == 0:
        return Settled(outcome=Outcome.CONFIRMED, booking=booking)
    return checkout.settle(booking, correlation_id=correlation_id, causation_id=correlation_id, first=True)


def retry_payment(event: PaymentPending) -> None:
    """The retry queue's turn at a PAYMENT_PENDING booking: settle it, or expire it if its hold has run out.
    Raises while the provider is unavailable, so the message is retried later."""
    data = event.data
    booking = store.get_booking(data.performanceId, data.bookingId)
    if booking is None or booking["status"] not in ("HELD", "PAYMENT_PENDING"):
        return
    correlation_id, causation_id = event.metadata.correlationId, event.metadata.eventId
    if booking["holdExpiresAt"] <= now_iso():
        checkout.expire(booking, correlation_id=correlation_id)
        return
    checkout.settle(booking, correlation_id=correlation_id, causation_id=causation_id, first=False)


def expire_due_holds(*, correlation_id: str) -> int:
    """Every booking whose hold has run out: expired (or confirmed, if it was paid after all); returns how many."""
    moment = now_iso()
    done = 0
    for performance_id, booking_id in store.holds_due(moment):
        booking = store.get_booking(performance_id, booking_id)
        if booking is None or booking["status"] not in ("HELD", "PAYMENT_PENDING"):
            continue
        if booking.get("holdExpiresAt", moment) < moment:
            checkout.expire(booking, correlation_id=correlation_id)
            done += 1
    return done


def _owned_booking(customer_id: str, booking_id: str) -> BookingRecord:
    ref = store.get_ref(booking_id)
    # Someone else's booking is as unknown to you as one that does not exist.
    booking = store.get_booking(ref["performanceId"], booking_id) if ref and ref["customerId"] == customer_id else None
    if booking is None:
        raise NotFound("no booking with this id", code="BOOKING_NOT_FOUND")
    return booking


def cancellable(booking: BookingRecord) -> bool:
    """Only a CONFIRMED booking can be cancelled. CANCELLED is final (cancelling again changes nothing); a booking
    whose payment is still being settled cannot be cancelled until it is (it will be CONFIRMED or give its seats
    back on its own); a failed or expired one has nothing left to cancel."""
    return booking["status"] == "CONFIRMED"


def _cancellation(booking: BookingRecord, reason: CancelReason, correlation_id: str, causation_id: str) -> Cancellation:
    at = now_iso()
    event: TicketCancelled = new_event(
        TicketCancelled,
        {**checkout.event_data(booking), "cancelledAt": at, "reason": reason, "paymentId": booking.get("paymentId")},
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
    return Cancellation(booking=booking, cancelled_at=at, reason=reason, event=event)


def cancel(customer_id: str, booking_id: str, *, correlation_id: str) -> BookingRecord:
    """A customer cancels their booking; the seats go back at once. Cancelling again changes nothing."""
    booking = _owned_booking(customer_id, booking_id)
    if cancellable(booking):
        store.cancel_booking(
            _cancellation(booking, CancelReason.CUSTOMER, correlation_id, correlation_id), return_seats=True
        )
        # Whether we or a concurrent cancellation won, the booking is now CANCELLED.
        booking = _owned_booking(customer_id, booking_id)
    return booking


def open_for_sale(details: PerformanceDetails) -> None:
    store.open_inventory(details)


def close_for_sale(details: PerformanceDetails) -> None:
    store.close_inventory(details)


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
    store.close_inventory(performance_details(cancelled))
    cancelled_count = 0
    reason = CancelReason.PERFORMANCE_CANCELLED
    for page in store.confirmed_bookings(cancelled.performanceId, page_size):
        for start in range(0, len(page), CANCEL_CHUNK):
            if not keep_going():
                raise TimeoutError(
                    f"stopped after cancelling {cancelled_count} bookings; the rest follow on redelivery"
                )
            work = [_cancellation(b, reason, correlation_id, causation_id) for b in page[start : start + CANCEL_CHUNK]]
            if store.cancel_bookings_together(work):
                cancelled_count += len(work)
                continue
            # A customer cancelled one of them meanwhile: go one by one, skipping those.
            cancelled_count += sum(store.cancel_booking(c, return_seats=False) for c in work)
    logger.info(
        "performance bookings cancelled", extra={"performanceId": cancelled.performanceId, "count": cancelled_count}
    )
    return cancelled_count


def performance_details(data: PerformanceData) -> PerformanceDetails:
    return {
        "performanceId": data.performanceId,
        "organizerId": data.organizerId,
        "title": data.title,
        "venue": data.venue,
        "startsAt": data.startsAt,
        "capacity": data.capacity,
        "grades": [{"grade": g.grade, "price": g.price, "seats": g.seats} for g in data.grades],
        "maxPerCustomer": data.maxPerCustomer,
        "kind": data.kind,
        "teams": data.teams,
    }
