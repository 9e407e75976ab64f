"""Performance management: register, cancel, read, and keep the headcount."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from boxoffice.clock import iso, new_id, now_iso
from boxoffice.contracts import EventType, new_event
from boxoffice.errors import Forbidden, NotFound
from boxoffice.paging import decode_token, encode_token
from boxoffice.performances import store

if TYPE_CHECKING:  # the HTTP models: queue consumers that use this module need not load them
    from boxoffice.models import RegisterPerformanceInput

PUBLIC_FIELDS = (
    "performanceId",
    "title",
    "venue",
    "startsAt",
    "capacity",
    "bookedCount",
    "status",
    "organizerId",
    "createdAt",
    "cancelledAt",
)


def _public(item: dict) -> dict:
    return {k: item.get(k) for k in PUBLIC_FIELDS if k in item or k == "cancelledAt"}


def _event_data(item: dict) -> dict:
    return {k: item[k] for k in ("performanceId", "organizerId", "title", "venue", "startsAt", "capacity")}


def register(organizer_id: str, request: RegisterPerformanceInput, *, correlation_id: str) -> dict:
    performance_id = new_id()
    created_at = now_iso()
    item = {
        "performanceId": performance_id,
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
    event = new_event(
        EventType.PERFORMANCE_REGISTERED,
        {**_event_data(item), "createdAt": created_at},
        correlation_id=correlation_id,
        causation_id=correlation_id,
    )
    store.insert(item, event)
    return _public(item)


def get(performance_id: str) -> dict:
    item = store.get(performance_id)
    if item is None:
        raise NotFound("no performance with this id", code="PERFORMANCE_NOT_FOUND")
    return _public(item)


def list_page(limit: int, next_token: str | None) -> dict:
    start = decode_token(next_token, index_keys=("gsi1pk", "gsi1sk"), must_match={"gsi1pk": store.LIST_PARTITION})
    items, last = store.page(limit, start)
    return {"items": [_public(i) for i in items], "nextToken": encode_token(last)}


def cancel(performance_id: str, organizer_id: str, *, correlation_id: str, causation_id: str) -> dict:
    """Cancel a performance its organizer owns; cancelling again changes nothing."""
    item = store.get(performance_id)
    if item is None:
        raise NotFound("no performance with this id", code="PERFORMANCE_NOT_FOUND")
    if item["organizerId"] != organizer_id:
        raise Forbidden("only the performance's own organizer can cancel it", code="NOT_YOUR_PERFORMANCE")
    if item["status"] == "CANCELLED":
        return _public(item)
    cancelled_at = now_iso()
    event = new_event(
        EventType.PERFORMANCE_CANCELLED,
        {**_event_data(item), "cancelledAt": cancelled_at},
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
    store.mark_cancelled(performance_id, cancelled_at, event)
    # Re-read: either our write or a concurrent cancel won; both leave it CANCELLED.
    return _public(store.get(performance_id))


def apply_headcount(changes: list[tuple[str, str, int]]) -> tuple[set[str], dict[str, Exception]]:
    """Apply (eventId, performanceId, delta) changes, summed per performance.

    Returns the event ids that were duplicates and, by event id, the errors of those that failed.
    """
    by_performance: dict[str, dict[str, int]] = {}
    for event_id, performance_id, delta in changes:
        by_performance.setdefault(performance_id, {})[event_id] = delta
    duplicates: set[str] = set()
    failures: dict[str, Exception] = {}
    for performance_id, deltas in by_performance.items():
        try:
            duplicates |= store.add_to_headcount(performance_id, deltas)
        except Exception as exc:  # one performance's trouble must not fail the others
            for event_id in deltas:
                failures[event_id] = exc
    return duplicates, failures
