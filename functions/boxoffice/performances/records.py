"""What PerformancesTable holds, as performance management sees it (keys and markers aside)."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

PerformanceStatus = Literal["OPEN", "CANCELLED"]


class PerformanceRecord(TypedDict):
    performanceId: str
    title: str
    venue: str
    startsAt: str
    capacity: int
    bookedCount: int
    status: PerformanceStatus
    organizerId: str
    createdAt: str
    cancelledAt: NotRequired[str]


class NewPerformance(PerformanceRecord):
    """A performance about to be stored: also its start in UTC, the list index's sort key."""

    startsUtc: str


class HeadcountChange(TypedDict):
    """One event's change to a performance's headcount."""

    eventId: str
    performanceId: str
    delta: int
