"""What PerformancesTable holds, as performance management sees it (keys and markers aside)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

PerformanceStatus = Literal["OPEN", "CANCELLED"]
PerformanceKind = Literal["CONCERT", "MATCH"]


class GradeRecord(TypedDict):
    """A price grade and its own seats (fixed at registration)."""

    grade: str
    price: int
    seats: int


class PerformanceRecord(TypedDict):
    performanceId: str
    title: str
    venue: str
    startsAt: str
    capacity: int
    grades: list[GradeRecord]
    maxPerCustomer: int
    kind: PerformanceKind
    teams: list[str] | None
    bookedCount: int
    # Seats held or sold per grade, kept by events (the table keeps one counter attribute per grade).
    taken: dict[str, int]
    status: PerformanceStatus
    organizerId: str
    createdAt: str
    cancelledAt: NotRequired[str]


class GradeView(GradeRecord):
    remaining: int


class PerformanceView(TypedDict):
    """A performance as anyone may read it: its grades with the seats remaining, not the raw counters."""

    performanceId: str
    title: str
    venue: str
    startsAt: str
    capacity: int
    grades: list[GradeView]
    maxPerCustomer: int
    kind: PerformanceKind
    teams: list[str] | None
    bookedCount: int
    status: PerformanceStatus
    organizerId: str
    createdAt: str
    cancelledAt: NotRequired[str]


class NewPerformance(PerformanceRecord):
    """A performance about to be stored: also its start in UTC, the list index's sort key."""

    startsUtc: str


class SeatChange(TypedDict):
    """What one booking's move does to its performance's counts: tickets sold and seats taken of its grade."""

    bookingId: str
    performanceId: str
    grade: str
    sold: int
    taken: int
