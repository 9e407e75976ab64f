"""Performance management: register, cancel, read, and keep the headcount."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from boxoffice.clock import iso, new_id, now_iso
from boxoffice.contracts import PerformanceCancelled, PerformanceRegistered, new_event
from boxoffice.errors import Forbidden, InvalidRequest, NotFound
from boxoffice.moves import Move, highest
from boxoffice.paging import Page, decode_token, encode_token
from boxoffice.performances import store
from boxoffice.performances.records import GradeRecord, GradeView, NewPerformance, PerformanceRecord, PerformanceView

if TYPE_CHECKING:  # the HTTP models: queue consumers that use this module need not load them
    from boxoffice.models import RegisterPerformanceInput

GENERAL = "GENERAL"  # the one grade of a performance registered with a capacity only
MAX_CAPACITY = 100_000


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
        "grades": [{"grade": g["grade"], "price": g["price"], "seats": g["seats"]} for g in item["grades"]],
        "maxPerCustomer": item["maxPerCustomer"],
        "kind": item.get("kind", "CONCERT"),
        "teams": item.get("teams"),
    }


def grades_of(request: RegisterPerformanceInput) -> list[GradeRecord]:
    """The grades a registration asks for: as given, or one free GENERAL grade of `capacity` seats.

    Raises InvalidRequest when they contradict themselves: a grade named twice, no seats given at all, a capacity
    other than the grades' sum, or more seats in all than a performance may have.
    """
    if request.grades is None:
        if request.capacity is None:
            raise InvalidRequest("give the seats: `grades`, or `capacity` for one free grade", code="MISSING_CAPACITY")
        return [{"grade": GENERAL, "price": 0, "seats": request.capacity}]
    grades: list[GradeRecord] = [{"grade": g.grade, "price": g.price, "seats": g.seats} for g in request.grades]
    names = [g["grade"] for g in grades]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InvalidRequest(f"grade {', '.join(twice)} is named more than once", code="DUPLICATE_GRADE")
    total = sum(g["seats"] for g in grades)
    if request.capacity is not None and request.capacity != total:
        raise InvalidRequest(
            f"capacity {request.capacity} is not the grades' {total} seats in all; send one or make them agree",
            code="CAPACITY_MISMATCH",
        )
    if total > MAX_CAPACITY:
        raise InvalidRequest(f"{total} seats in all; a performance has at most {MAX_CAPACITY}", code="TOO_MANY_SEATS")
    return grades


def teams_of(request: RegisterPerformanceInput) -> list[str] | None:
    """A match's teams, as given; a concert has none. Raises InvalidRequest when kind and teams disagree."""
    if request.kind == "CONCERT":
        if request.teams is not None:
            raise InvalidRequest("only a match has teams: send kind MATCH", code="NOT_A_MATCH")
        return None
    if request.teams is None:
        raise InvalidRequest("a match needs its teams: 2 to 4 names", code="TEAMS_REQUIRED")
    if len(set(request.teams)) != len(request.teams):
        raise InvalidRequest("each team must be named once", code="DUPLICATE_TEAM")
    return list(request.teams)


def register(organizer_id: str, request: RegisterPerformanceInput, *, correlation_id: str) -> PerformanceView:
    grades = grades_of(request)
    teams = teams_of(request)
    created_at = now_iso()
    item: NewPerformance = {
        "performanceId": new_id(),
        "title": request.title,
        "venue": request.venue,
        "startsAt": request.startsAt,
        "startsUtc": iso(datetime.fromisoformat(request.startsAt).astimezone(UTC)),
        "capacity": sum(g["seats"] for g in grades),
        "grades": grades,
        "maxPerCustomer": request.maxPerCustomer,
        "kind": request.kind,
        "teams": teams,
        "bookedCount": 0,
        "taken": {g["grade"]: 0 for g in grades},
        "status": "OPEN",
        "organizerId": organizer_id,
        "createdAt": created_at,
    }
    event = new_event(
        PerformanceRegistered,
        {**_event_data(item), "createdAt": created_at},
        correlation_id=correlation_id,
        causation_id=correlation_id,
    )
    store.insert(item, event)
    return view(item)


def view(performance: PerformanceRecord) -> PerformanceView:
    """What anyone may read of a performance: each grade with its seats neither held nor sold (as the events have
    told so far; exact once they have settled)."""
    grades: list[GradeView] = [
        {**g, "remaining": g["seats"] - performance["taken"].get(g["grade"], 0)} for g in performance["grades"]
    ]
    out: PerformanceView = {
        "performanceId": performance["performanceId"],
        "title": performance["title"],
        "venue": performance["venue"],
        "startsAt": performance["startsAt"],
        "capacity": performance["capacity"],
        "grades": grades,
        "maxPerCustomer": performance["maxPerCustomer"],
        "kind": performance.get("kind", "CONCERT"),
        "teams": performance.get("teams"),
        "bookedCount": performance["bookedCount"],
        "status": performance["status"],
        "organizerId": performance["organizerId"],
        "createdAt": performance["createdAt"],
    }
    if "cancelledAt" in performance:
        out["cancelledAt"] = performance["cancelledAt"]
    return out


def _stored(performance_id: str) -> PerformanceRecord:
    item = store.get(performance_id)
    if item is None:
        raise _not_found()
    return item


def get(performance_id: str) -> PerformanceView:
    return view(_stored(performance_id))


def list_page(limit: int, next_token: str | None) -> Page[PerformanceView]:
    start = decode_token(next_token, index_keys=("gsi1pk", "gsi1sk"), must_match={"gsi1pk": store.LIST_PARTITION})
    items, last = store.page(limit, start)
    return Page(items=[view(i) for i in items], nextToken=encode_token(last))


def cancel(performance_id: str, organizer_id: str, *, correlation_id: str, causation_id: str) -> PerformanceView:
    """Cancel a performance its organizer owns; cancelling again changes nothing."""
    item = _stored(performance_id)
    if item["organizerId"] != organizer_id:
        raise Forbidden("only the performance's own organizer can cancel it", code="NOT_YOUR_PERFORMANCE")
    if item["status"] == "CANCELLED":
        return view(item)
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


def apply_moves(moves: list[Move]) -> tuple[set[str], dict[str, Exception]]:
    """Apply the bookings' moves to their performances' counts, summed per performance.

    Returns the booking ids whose move was already applied (or overtaken) and, by booking id, the errors of those
    that failed: one performance's trouble fails only its own bookings.
    """
    by_performance: dict[str, list[Move]] = {}
    for move in moves:
        by_performance.setdefault(move.performanceId, []).append(move)
    ignored: set[str] = set()
    failures: dict[str, Exception] = {}
    for performance_id, its_moves in by_performance.items():
        latest = highest(its_moves)
        try:
            ignored |= store.apply_moves(performance_id, latest)
        except Exception as exc:  # one performance's trouble must not fail the others
            failures |= dict.fromkeys(latest, exc)
    return ignored, failures
