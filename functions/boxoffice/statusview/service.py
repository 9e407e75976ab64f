"""The status view: projects every event into what customers and organizers read, and answers their queries.

Events arrive at least once and in any order. A booking's view only ever moves
absent -> CONFIRMED -> CANCELLED or absent -> CANCELLED, each move is a conditional
write together with its counts, so a duplicate or a late event changes nothing.
"""

from __future__ import annotations

from typing import TypedDict

from boxoffice.contracts import (
    AnyEvent,
    PerformanceCancelled,
    PerformanceRegistered,
    TicketBooked,
    TicketBookedData,
    TicketCancelled,
    TicketCancelledData,
)
from boxoffice.errors import Forbidden, NotFound
from boxoffice.paging import Page, decode_token, encode_token
from boxoffice.statusview import store
from boxoffice.statusview.records import BookingView, GradeSummary, GradeTerms, Summary, SummaryCounts, SummaryView

_ATTEMPTS = 5


class PerformanceBookings(Page[BookingView]):
    summary: SummaryView


class _SummaryDetails(TypedDict):
    performanceId: str
    organizerId: str
    title: str
    startsAt: str
    capacity: int
    grades: list[GradeTerms]


def _view(data: TicketBookedData | TicketCancelledData) -> BookingView:
    view: BookingView = {
        "bookingId": data.bookingId,
        "performanceId": data.performanceId,
        "customerId": data.customerId,
        "grade": data.grade,
        "quantity": data.quantity,
        "unitPrice": data.unitPrice,
        "amount": data.amount,
        "currency": data.currency,
        "status": "CONFIRMED",
        "createdAt": data.createdAt,
        "title": data.title,
        "startsAt": data.startsAt,
    }
    if isinstance(data, TicketCancelledData):
        view["status"] = "CANCELLED"
        view["cancelReason"] = data.reason.value
        view["cancelledAt"] = data.cancelledAt
    return view


def project(event: AnyEvent) -> None:
    """One event other than a new booking (those go by the batch: `project_new_bookings`)."""
    match event:
        case PerformanceRegistered() | PerformanceCancelled():
            details: _SummaryDetails = {
                "performanceId": event.data.performanceId,
                "organizerId": event.data.organizerId,
                "title": event.data.title,
                "startsAt": event.data.startsAt,
                "capacity": event.data.capacity,
                "grades": [{"grade": g.grade, "price": g.price, "seats": g.seats} for g in event.data.grades],
            }
            store.upsert_summary_details(details, cancelled=isinstance(event, PerformanceCancelled))
        case TicketCancelled():
            _project_cancelled(event)


def project_new_bookings(events: dict[str, TicketBooked]) -> dict[str, Exception]:
    """Project a batch's TicketBooked events (by message id); answers the failures by message id.

    The new bookings of one performance go in one write: in a sale they all add to the same summary item.
    """
    failures: dict[str, Exception] = {}
    booked: dict[str, dict[str, tuple[list[str], BookingView]]] = {}  # performance -> booking -> (messages, view)
    for message_id, event in events.items():
        perf = booked.setdefault(event.data.performanceId, {})
        perf.setdefault(event.data.bookingId, ([], _view(event.data)))[0].append(message_id)
    for performance_id, bookings in booked.items():
        # A view already there (a duplicate, or its cancellation came first) is left as it is.
        views = {b: view for b, (_, view) in bookings.items()}
        try:
            store.insert_new_views(performance_id, views, {b: counts_of(v) for b, v in views.items()})
        except Exception as exc:  # one performance's trouble must not fail the others
            failures |= {m: exc for message_ids, _ in bookings.values() for m in message_ids}
    return failures


def counts_of(view: BookingView) -> SummaryCounts:
    """What a booking's view adds to its performance's summary in its status."""
    q, grade = view["quantity"], view["grade"]
    if view["status"] == "CONFIRMED":
        return {
            "confirmedBookings": 1,
            "confirmedTickets": q,
            f"sold_{grade}": q,
            f"revenue_{grade}": view["amount"],
            "revenue": view["amount"],
        }
    return {"cancelledBookings": 1, "cancelledTickets": q}


def change(old: BookingView | None, new: BookingView) -> SummaryCounts:
    """What moving a view from `old` (None: absent) to `new` changes in the summary."""
    delta = dict(counts_of(new))
    for name, count in (counts_of(old) if old else {}).items():
        delta[name] = delta.get(name, 0) - count
    return {name: d for name, d in delta.items() if d}


def _project_cancelled(event: TicketCancelled) -> None:
    view = _view(event.data)
    for _ in range(_ATTEMPTS):
        current = store.get_view(view["bookingId"])
        if current is None:
            done = store.insert_view(view, change(None, view))
        else:
            done = current["status"] == "CANCELLED" or store.confirm_to_cancelled(view, change(current, view))
        if done:
            return
    raise RuntimeError(f"booking {view['bookingId']} kept changing under the projector; will retry")


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
        revenue = counters.get(f"revenue_{terms['grade']}", 0)
        grades.append({**terms, "sold": sold, "remaining": terms["seats"] - sold, "revenue": revenue})
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
        "revenue": summary.get("revenue", 0),
        "grades": grades,
    }


def performance_bookings(
    organizer_id: str, performance_id: str, limit: int, next_token: str | None
) -> PerformanceBookings:
    found = store.get_summary(performance_id)
    if found is None or "organizerId" not in found[0]:
        raise NotFound("no performance with this id", code="PERFORMANCE_NOT_FOUND")
    summary, counters = found
    if summary["organizerId"] != organizer_id:
        raise Forbidden("only the performance's own organizer can see its bookings", code="NOT_YOUR_PERFORMANCE")
    partition = f"PERF#{performance_id}"
    start = decode_token(next_token, index_keys=("gsi2pk", "gsi2sk"), must_match={"gsi2pk": partition})
    items, last = store.page(store.BY_PERFORMANCE, partition, limit, start)
    return PerformanceBookings(items=items, nextToken=encode_token(last), summary=summary_view(summary, counters))
