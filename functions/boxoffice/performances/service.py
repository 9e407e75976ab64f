"""Performance management: register, cancel, read, and keep the headcount."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from boxoffice.clock import iso, new_id, now_iso
from boxoffice.contracts import (
    AnyEvent,
    PerformanceCancelled,
    PerformanceRegistered,
    TicketBooked,
    TicketCancelled,
    new_event,
)
from boxoffice.errors import Forbidden, NotFound
from boxoffice.paging import Page, decode_token, encode_token
from boxoffice.performances import store
from boxoffice.performances.records import HeadcountChange, NewPerformance, PerformanceRecord

if TYPE_CHECKING:  # the HTTP models: queue consumers that use this module need not load them
    from boxoffice.models import RegisterPerformanceInput


def _not_found() -> NotFound:
    return NotFound("no performance with this id", code="PERFORMANCE_NOT_FOUND")


def _event_data(item: PerformanceRecord) -> dict[str, object]:
    return {
        "performanceId": item["performanceId"],
        "organizerId": item["organizerId"],
        "title": item["title"],
        "venue": item["venue"],
        "startsAt": item["startsAt"],
        "capacity": item["capacity"],
    }


def register(organizer_id: str, request: RegisterPerformanceInput, *, correlation_id: str) -> PerformanceRecord:
    created_at = now_iso()
    item: NewPerformance = {
        "performanceId": new_id(),
        "title": request.title,
        "venue": request.venue,
        "startsAt": request.startsAt,
        "startsUtc": iso(datetime.fromisoformat(request.startsAt).astimezone(UTC)),
        "capacity": request.capacity,
        "bookedCount": 0,
        "status": "OPEN",
        "organizerId": organizer_id,
        "createdAt": created_at,
    }
    event: PerformanceRegistered = new_event(
        PerformanceRegistered,
        {**_event_data(item), "createdAt": created_at},
        correlation_id=correlation_id,
        causation_id=correlation_id,
    )
    store.insert(item, event)
    return item


def get(performance_id: str) -> PerformanceRecord:
    item = store.get(performance_id)
    if item is None:
        raise _not_found()
    return item


def list_page(limit: int, next_token: str | None) -> Page[PerformanceRecord]:
    start = decode_token(next_token, index_keys=("gsi1pk", "gsi1sk"), must_match={"gsi1pk": store.LIST_PARTITION})
    items, last = store.page(limit, start)
    return Page(items=items, nextToken=encode_token(last))


def cancel(performance_id: str, organizer_id: str, *, correlation_id: str, causation_id: str) -> PerformanceRecord:
    """Cancel a performance its organizer owns; cancelling again changes nothing."""
    item = get(performance_id)
    if item["organizerId"] != organizer_id:
        raise Forbidden("only the performance's own organizer can cancel it", code="NOT_YOUR_PERFORMANCE")
    if item["status"] == "CANCELLED":
        return item
    cancelled_at = now_iso()
    event: PerformanceCancelled = new_event(
        PerformanceCancelled,
        {**_event_data(item), "cancelledAt": cancelled_at},
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
    store.mark_cancelled(performance_id, cancelled_at, event)
    # Re-read: either our write or a concurrent cancel won; both leave it CANCELLED.
    return get(performance_id)


def headcount_change(event: AnyEvent) -> HeadcountChange | None:
    """What an event does to its performance's headcount: a booking adds its tickets, a cancellation takes them back."""
    match event:
        case TicketBooked():
            delta = event.data.quantity
        case TicketCancelled():
            delta = -event.data.quantity
        case _:
            return None
    return {"eventId": event.metadata.eventId, "performanceId": event.data.performanceId, "delta": delta}


def headcount_by_performance(changes: list[HeadcountChange]) -> dict[str, dict[str, int]]:
    """The changes grouped by performance: performance id -> event id -> delta (a redelivered event counts once)."""
    by_performance: dict[str, dict[str, int]] = {}
    for change in changes:
        by_performance.setdefault(change["performanceId"], {})[change["eventId"]] = change["delta"]
    return by_performance


def apply_headcount(changes: list[HeadcountChange]) -> tuple[set[str], dict[str, Exception]]:
    """Apply the changes, summed per performance.

    Returns the event ids that were duplicates and, by event id, the errors of those that failed.
    """
    duplicates: set[str] = set()
    failures: dict[str, Exception] = {}
    for performance_id, deltas in headcount_by_performance(changes).items():
        try:
            duplicates |= store.add_to_headcount(performance_id, deltas)
        except Exception as exc:  # one performance's trouble must not fail the others
            for event_id in deltas:
                failures[event_id] = exc
    return duplicates, failures
