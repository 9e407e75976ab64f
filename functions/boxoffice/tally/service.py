"""The tally: per match and team, the CONFIRMED tickets, the bookings and the stake total, kept from the booking
events and read by anyone. Its own context and table; it being down never stops a sale (its events wait in its
queue), and each booking counts once whatever the order and the repeats of its events (boxoffice.moves)."""

from __future__ import annotations

from boxoffice.contracts import AnyEvent, PerformanceRegistered
from boxoffice.errors import NotFound
from boxoffice.moves import Move, Stage, highest
from boxoffice.tally import store
from boxoffice.tally.records import TallyView, TeamChange, TeamTally


def project_registration(event: AnyEvent) -> None:
    """A match registered: its teams, in order, with nothing counted yet."""
    if isinstance(event, PerformanceRegistered) and event.data.kind == "MATCH" and event.data.teams:
        store.register_teams(event.data.performanceId, event.data.teams)


def apply_moves(moves: list[Move]) -> tuple[set[str], dict[str, Exception]]:
    """Apply match bookings' moves, summed per match; returns the booking ids already applied (or overtaken) and,
    by booking id, the errors of those that failed (one match's trouble fails only its own)."""
    by_match: dict[str, list[Move]] = {}
    for move in moves:
        if move.team is not None:
            by_match.setdefault(move.performanceId, []).append(move)
    ignored: set[str] = set()
    failures: dict[str, Exception] = {}
    for performance_id, its_moves in by_match.items():
        latest = highest(its_moves)
        try:
            ignored |= store.apply_moves(performance_id, latest, changes)
        except Exception as exc:  # one match's trouble must not fail the others
            failures |= dict.fromkeys(latest, exc)
    return ignored, failures


def changes(moves: dict[str, Move], came_from: dict[str, int]) -> dict[str, TeamChange]:
    """What bookings moving from `came_from` (their stage applied so far) to their `moves` change, per team: only
    CONFIRMED counts, so confirming adds a booking's tickets and stake, releasing a confirmed one takes them back, and
    any other step changes nothing."""
    out: dict[str, TeamChange] = {}
    for booking_id, move in moves.items():
        sign = int(move.stage == Stage.CONFIRMED) - int(came_from.get(booking_id, Stage.NONE) == Stage.CONFIRMED)
        if sign and move.team is not None:
            t = out.get(move.team, TeamChange(0, 0, 0))
            out[move.team] = TeamChange(
                t.tickets + sign * move.quantity, t.bookings + sign, t.stake + sign * move.stake
            )
    return out


def tally(performance_id: str) -> TallyView:
    items = store.teams(performance_id)
    if not items:
        raise NotFound("no match with this id", code="MATCH_NOT_FOUND")
    teams: list[TeamTally] = [
        {
            "team": i["team"],
            "tickets": i.get("tickets", 0),
            "bookings": i.get("bookings", 0),
            "stake": i.get("stake", 0),
        }
        for i in items
    ]
    updated = [i["updatedAt"] for i in items if i.get("updatedAt")]
    return {"performanceId": performance_id, "teams": teams, "updatedAt": max(updated) if updated else None}
