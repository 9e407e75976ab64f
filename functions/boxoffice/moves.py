"""What an event says about a booking's seats, as every counting consumer reads it.

A booking climbs one ladder: PENDING (seats held while payment is pending) -> CONFIRMED (tickets sold) ->
RELEASED (cancelled, failed or expired: seats back). It can skip a rung, never go down. A consumer that keeps, per
booking, the highest rung it has applied, and applies an event only if it climbs, counts each booking exactly once
whatever the order and however often events arrive: a duplicate or a late older event is a step down or in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from boxoffice.contracts import (
    AnyEvent,
    BookingExpired,
    PaymentFailed,
    PaymentPending,
    TicketBooked,
    TicketCancelled,
)


class Stage(IntEnum):
    NONE = 0  # nothing applied yet
    PENDING = 1
    CONFIRMED = 2
    RELEASED = 3


@dataclass(frozen=True)
class Move:
    """A booking reaching `stage`, with what counts need of it."""

    bookingId: str
    performanceId: str
    grade: str
    quantity: int
    amount: int
    stage: Stage
    team: str | None = None  # a match ticket's team pick
    stake: int = 0

    def sold(self, stage: Stage | None = None) -> int:
        """Tickets sold at `stage` (this move's own if not given)."""
        return self.quantity if (self.stage if stage is None else stage) == Stage.CONFIRMED else 0

    def taken(self, stage: Stage | None = None) -> int:
        """Seats kept from others at `stage`: held or sold."""
        return self.quantity if (self.stage if stage is None else stage) in (Stage.PENDING, Stage.CONFIRMED) else 0


def move_of(event: AnyEvent) -> Move | None:
    """The move an event makes, or None for events that are not about a booking's seats."""
    match event:
        case PaymentPending():
            stage = Stage.PENDING
        case TicketBooked():
            stage = Stage.CONFIRMED
        case TicketCancelled() | PaymentFailed() | BookingExpired():
            stage = Stage.RELEASED
        case _:
            return None
    data = event.data
    return Move(
        data.bookingId, data.performanceId, data.grade, data.quantity, data.amount, stage, data.team, data.stake
    )


def highest(moves: list[Move]) -> dict[str, Move]:
    """Per booking, the highest move among `moves` (two events of one booking in one batch count as the later)."""
    out: dict[str, Move] = {}
    for move in moves:
        if move.bookingId not in out or move.stage > out[move.bookingId].stage:
            out[move.bookingId] = move
    return out
