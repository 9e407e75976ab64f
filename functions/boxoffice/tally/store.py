"""TallyTable access: a match's per-team counts, and the per-booking markers that count each booking once.

Layout (pk / sk):
  PERF#<performanceId> / TEAM#<team>       a team of a match: its place in the match's order and its counts
                                           (tickets, bookings, stake) of CONFIRMED bookings, and when last changed
  PERF#<performanceId> / MARK#<bookingId>  the highest move of a booking the tally has applied (see boxoffice.moves)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from boxoffice import config
from boxoffice.clock import now_iso
from boxoffice.dynamo import Table, climb, plain
from boxoffice.moves import Move
from boxoffice.tally.records import TeamChange

TALLY_TABLE = "TALLY_TABLE"


def _table() -> Table:
    return config.table(TALLY_TABLE)


def _team_key(performance_id: str, team: str) -> dict[str, str]:
    return {"pk": f"PERF#{performance_id}", "sk": f"TEAM#{team}"}


def register_teams(performance_id: str, teams: list[str]) -> None:
    """A match's teams, in their order, each with no counts yet (harmless if repeated or late)."""
    table = _table()
    for position, team in enumerate(teams):
        table.update_item(
            Key=_team_key(performance_id, team),
            UpdateExpression=(
                "SET team = :team, #pos = :pos, tickets = if_not_exists(tickets, :zero), "
                "bookings = if_not_exists(bookings, :zero), stake = if_not_exists(stake, :zero)"
            ),
            ExpressionAttributeNames={"#pos": "position"},
            ExpressionAttributeValues={":team": team, ":pos": position, ":zero": 0},
        )


def apply_moves(
    performance_id: str,
    moves: dict[str, Move],
    changes: Callable[[dict[str, Move], dict[str, int]], dict[str, TeamChange]],
) -> set[str]:
    """Apply the bookings' moves (by booking id) to their teams' counts, each booking's once and only upwards, adding
    `changes(moves, {id: stage it came from})` per team; returns the booking ids already applied or overtaken."""
    table = _table()

    def updates(moved: dict[str, int]) -> list[dict[str, Any]]:
        return [
            {
                "Update": {
                    "TableName": table.name,
                    "Key": _team_key(performance_id, team),
                    "UpdateExpression": "SET team = :team, updatedAt = :at ADD tickets :t, bookings :b, stake :s",
                    "ExpressionAttributeValues": {
                        ":team": team, ":at": now_iso(), ":t": c.tickets, ":b": c.bookings, ":s": c.stake,
                    },
                }
            }
            for team, c in changes({b: moves[b] for b in moved}, moved).items()
        ]  # fmt: skip

    return climb(table, f"PERF#{performance_id}", {b: m.stage for b, m in moves.items()}, updates)


def teams(performance_id: str) -> list[dict[str, Any]]:
    """Every team item of a performance, in the match's order (a team seen before the registration last)."""
    out = _table().query(
        KeyConditionExpression="pk = :p AND begins_with(sk, :t)",
        ExpressionAttributeValues={":p": f"PERF#{performance_id}", ":t": "TEAM#"},
        ConsistentRead=True,
    )["Items"]
    items = [plain(i) for i in out]
    return sorted(items, key=lambda i: (cast(int, i.get("position", 99)), i["team"]))
