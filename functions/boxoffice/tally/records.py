"""What TallyTable holds: per match and team, the confirmed tickets, bookings and stake."""

from __future__ import annotations

from typing import NamedTuple, TypedDict


class TeamTally(TypedDict):
    team: str
    tickets: int
    bookings: int
    stake: int


class TallyView(TypedDict):
    performanceId: str
    teams: list[TeamTally]
    updatedAt: str | None


class TeamChange(NamedTuple):
    """What a batch adds to one team's counts (negative when confirmed bookings are cancelled)."""

    tickets: int
    bookings: int
    stake: int
