"""The status view: projects every event into what customers and organizers read, and answers their queries.

Events arrive at least once and in any order. A booking's view only ever moves forward,
absent -> PAYMENT_PENDING -> CONFIRMED -> CANCELLED (or -> PAYMENT_FAILED / EXPIRED), possibly skipping a step;
each move is a write conditional on the status it was read at, together with its counts, so a duplicate or a late
event changes nothing. A refund's status moves forward the same way, PENDING -> FAILED -> REFUNDED.
"""

from __future__ import annotations

from typing import TypedDict

from boxoffice.contracts import (
    AnyEvent,
    BookingData,
    BookingExpired,
    PaymentFailed,
    PaymentPending,
    PerformanceCancelled,
    PerformanceRegistered,
    RefundCompleted,
    RefundFailed,
    TicketBooked,
    TicketCancelled,
)
from boxoffice.errors import Forbidden, NotFound
from boxoffice.paging import Page, decode_token, encode_token
from boxoffice.statusview import store
from boxoffice.statusview.records import (
    BookingView,
    GradeSummary,
    GradeTerms,
    RefundStatus,
    Summary,
    SummaryCounts,
    SummaryView,
    ViewStatus,
)

_ATTEMPTS = 5
# How far along a booking is: a view moves only to a higher rank.
RANK: dict[ViewStatus, int] = {"PAYMENT_PENDING": 1, "CONFIRMED": 2, "CANCELLED": 3, "PAYMENT_FAILED": 3, "EXPIRED": 3}
REFUND_RANK: dict[RefundStatus, int] = {"PENDING": 1, "FAILED": 2, "REFUNDED": 3}


class PerformanceBookings(Page[BookingView]):
    summary: SummaryView


class _SummaryDetails(TypedDict):
    performanceId: str
    organizerId: str
    title: str
    startsAt: str
    capacity: int
    grades: list[GradeTerms]
    kind: str
    teams: list[str] | None


class ViewNotYet(Exception):
    """An event about a booking whose view is not there yet (a refund before its booking): retried later."""


def _base(data: BookingData, status: ViewStatus) -> BookingView:
    view: BookingView = {
        "bookingId": data.bookingId,
        "performanceId": data.performanceId,
        "customerId": data.customerId,
        "grade": data.grade,
        "quantity": data.quantity,
        "unitPrice": data.unitPrice,
        "amount": data.amount,
        "currency": data.currency,
        "status": status,
        "createdAt": data.createdAt,
        "title": data.title,
        "startsAt": data.startsAt,
    }
    if data.team is not None:
        view["team"], view["stake"] = data.team, data.stake
    return view


def view_of(event: TicketBooked | TicketCancelled | PaymentPending | PaymentFailed | BookingExpired) -> BookingView:
    """The view of a booking as the event tells it."""
    match event:
        case PaymentPending():
            view = _base(event.data, "PAYMENT_PENDING")
            view["holdExpiresAt"] = event.data.holdExpiresAt
        case TicketBooked():
            view = _base(event.data, "CONFIRMED")
        case TicketCancelled():
            view = _base(event.data, "CANCELLED")
            view["cancelReason"] = event.data.reason.value
            view["cancelledAt"] = event.data.cancelledAt
            if event.data.paymentId and event.data.amount > 0:
                view["refund"] = {"status": "PENDING"}
        case PaymentFailed():
            view = _base(event.data, "PAYMENT_FAILED")
            view["failureReason"] = event.data.reason
        case BookingExpired():
            view = _base(event.data, "EXPIRED")
    payment_id = getattr(event.data, "paymentId", None)
    if payment_id:
        view["paymentId"] = payment_id
    return view


def project(event: AnyEvent) -> None:
    """One event (new confirmed bookings go by the batch: `project_new_bookings`)."""
    match event:
        case PerformanceRegistered() | PerformanceCancelled():
            details: _SummaryDetails = {
                "performanceId": event.data.performanceId,
                "organizerId": event.data.organizerId,
                "title": event.data.title,
                "startsAt": event.data.startsAt,
                "capacity": event.data.capacity,
                "grades": [{"grade": g.grade, "price": g.price, "seats": g.seats} for g in event.data.grades],
                "kind": event.data.kind,
                "teams": event.data.teams,
            }
            store.upsert_summary_details(details, cancelled=isinstance(event, PerformanceCancelled))
        case TicketBooked() | TicketCancelled() | PaymentPending() | PaymentFailed() | BookingExpired():
            _move(view_of(event))
        case RefundCompleted():
            _refund(event.data.bookingId, "REFUNDED")
        case RefundFailed():
            _refund(event.data.bookingId, "FAILED")


def project_new_bookings(events: dict[str, TicketBooked]) -> dict[str, Exception]:
    """Project a batch's TicketBooked events (by message id); answers the failures by message id.

    The new bookings of one performance go in one write: in a sale they all add to the same summary item. A booking
    whose view is already there (pending payment, a duplicate, or a later event came first) moves on its own.
    """
    failures: dict[str, Exception] = {}
    booked: dict[str, dict[str, tuple[list[str], BookingView]]] = {}  # performance -> booking -> (messages, view)
    for message_id, event in events.items():
        perf = booked.setdefault(event.data.performanceId, {})
        perf.setdefault(event.data.bookingId, ([], view_of(event)))[0].append(message_id)
    for performance_id, bookings in booked.items():
        views = {b: view for b, (_, view) in bookings.items()}
        try:
            there = store.insert_new_views(performance_id, views, {b: counts_of(v) for b, v in views.items()})
        except Exception as exc:  # one performance's trouble must not fail the others
            failures |= {m: exc for message_ids, _ in bookings.values() for m in message_ids}
            continue
        for booking_id in there:
            try:
                _move(views[booking_id])
            except Exception as exc:
                failures |= dict.fromkeys(bookings[booking_id][0], exc)
    return failures


def counts_of(view: BookingView) -> SummaryCounts:
    """What a booking's view adds to its performance's summary in its status."""
    q, grade = view["quantity"], view["grade"]
    match view["status"]:
        case "PAYMENT_PENDING":
            return {"pendingBookings": 1, "pendingTickets": q, f"held_{grade}": q}
        case "CONFIRMED":
            counts = {
                "confirmedBookings": 1,
                "confirmedTickets": q,
                f"sold_{grade}": q,
                f"revenue_{grade}": view["unitPrice"] * q,  # the tickets alone; a match's stake is counted per team
                "revenue": view["amount"],
            }
            if "team" in view:
                team = view["team"]
                counts |= {f"tickets@{team}": q, f"bookings@{team}": 1, f"stake@{team}": view.get("stake", 0)}
            return counts
        case "CANCELLED":
            return {"cancelledBookings": 1, "cancelledTickets": q}
        case "PAYMENT_FAILED":
            return {"failedBookings": 1}
        case "EXPIRED":
            return {"expiredBookings": 1}
    return {}


def change(old: BookingView | None, new: BookingView) -> SummaryCounts:
    """What moving a view from `old` (None: absent) to `new` changes in the summary."""
    delta = dict(counts_of(new))
    for name, count in (counts_of(old) if old else {}).items():
        delta[name] = delta.get(name, 0) - count
    return {name: d for name, d in delta.items() if d}


def _move(view: BookingView) -> None:
    """Move a booking's view forward to `view` (or create it), with its counts; a step back or in place is ignored."""
    for _ in range(_ATTEMPTS):
        current = store.get_view(view["bookingId"])
        if current is None:
            done = store.insert_view(view, change(None, view))
        elif RANK[current["status"]] >= RANK[view["status"]]:
            return
        else:
            done = store.move_view(view, current["status"], change(current, view))
        if done:
            return
    raise RuntimeError(f"booking {view['bookingId']} kept changing under the projector; will retry")


def _refund(booking_id: str, status: RefundStatus) -> None:
    """A refund's outcome on the booking's view, only forward."""
    if not store.set_view_refund(booking_id, status, REFUND_RANK[status]):
        current = store.get_view(booking_id)
        if current is None:
            raise ViewNotYet(booking_id)
        # Otherwise the view already shows this outcome or a later one.


def customer_bookings(customer_id: str, limit: int, next_token: str | None) -> Page[BookingView]:
    partition = f"CUSTOMER#{customer_id}"
    start = decode_token(next_token, index_keys=("gsi1pk", "gsi1sk"), must_match={"gsi1pk": partition})
    items, last = store.page(store.BY_CUSTOMER, partition, limit, start)
    return Page(items=items, nextToken=encode_token(last))


def customer_booking(customer_id: str, booking_id: str) -> BookingView:
    item = store.get_view(booking_id)
    if item is None or item.get("customerId") != customer_id:
        raise NotFound("no booking with this id", code="BOOKING_NOT_FOUND")
    return item


def summary_view(summary: Summary, counters: dict[str, int]) -> SummaryView:
    """The organizer's summary: the counts, and per grade the tickets sold, the seats remaining and the revenue."""
    grades: list[GradeSummary] = []
    for terms in summary.get("grades", []):
        sold = counters.get(f"sold_{terms['grade']}", 0)
        held = counters.get(f"held_{terms['grade']}", 0)
        revenue = counters.get(f"revenue_{terms['grade']}", 0)
        remaining = terms["seats"] - sold - held
        grades.append({**terms, "sold": sold, "held": held, "remaining": remaining, "revenue": revenue})
    return {
        "performanceId": summary["performanceId"],
        "title": summary.get("title"),
        "startsAt": summary.get("startsAt"),
        "status": summary.get("status"),
        "capacity": summary.get("capacity"),
        "confirmedBookings": summary.get("confirmedBookings", 0),
        "confirmedTickets": summary.get("confirmedTickets", 0),
        "cancelledBookings": summary.get("cancelledBookings", 0),
        "cancelledTickets": summary.get("cancelledTickets", 0),
        "pendingBookings": summary.get("pendingBookings", 0),
        "pendingTickets": summary.get("pendingTickets", 0),
        "failedBookings": summary.get("failedBookings", 0),
        "expiredBookings": summary.get("expiredBookings", 0),
        "revenue": summary.get("revenue", 0),
        "grades": grades,
        "teams": [
            {
                "team": team,
                "tickets": counters.get(f"tickets@{team}", 0),
                "bookings": counters.get(f"bookings@{team}", 0),
                "stake": counters.get(f"stake@{team}", 0),
            }
            for team in summary.get("teams") or []
        ]
        if summary.get("kind") == "MATCH"
        else None,
    }


def performance_bookings(
    organizer_id: str,
    performance_id: str,
    limit: int,
    next_token: str | None,
    status: str | None = None,
    team: str | None = None,
) -> PerformanceBookings:
    """A performance's bookings for its organizer (those of one status and/or team, if asked), newest first, with
    the summary."""
    found = store.get_summary(performance_id)
    if found is None or "organizerId" not in found[0]:
        raise NotFound("no performance with this id", code="PERFORMANCE_NOT_FOUND")
    summary, counters = found
    if summary["organizerId"] != organizer_id:
        raise Forbidden("only the performance's own organizer can see its bookings", code="NOT_YOUR_PERFORMANCE")
    partition = f"PERF#{performance_id}"
    start = decode_token(next_token, index_keys=("gsi2pk", "gsi2sk"), must_match={"gsi2pk": partition})
    only = {k: v for k, v in (("status", status), ("team", team)) if v is not None}
    items, last = store.page(store.BY_PERFORMANCE, partition, limit, start, only)
    return PerformanceBookings(items=items, nextToken=encode_token(last), summary=summary_view(summary, counters))
