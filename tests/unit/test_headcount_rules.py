"""The counts' arithmetic: what each event moves, the ladder a booking climbs, and how a batch is grouped."""

from __future__ import annotations

from boxoffice.contracts import PerformanceRegistered, TicketBooked, TicketCancelled, new_event
from boxoffice.moves import Move, Stage, highest, move_of
from boxoffice.performances import service

PERFORMANCE = {
    "performanceId": "P1", "organizerId": "o", "title": "t", "venue": "v", "startsAt": "s", "capacity": 10,
    "grades": [{"grade": "R", "price": 5, "seats": 10}], "maxPerCustomer": 4, "createdAt": "c",
}  # fmt: skip


def _booking(pid: str = "P1", quantity: int = 2, booking_id: str = "B1") -> dict:
    return {
        "bookingId": booking_id, "performanceId": pid, "customerId": "c", "grade": "R", "quantity": quantity,
        "unitPrice": 5, "amount": 5 * quantity, "createdAt": "t", "title": "t", "startsAt": "s", "organizerId": "o",
    }  # fmt: skip


def _event(model, data):
    return new_event(model, data, correlation_id="c", causation_id="c")


def _move(booking_id: str, stage: Stage, pid: str = "P1", quantity: int = 2) -> Move:
    return Move(booking_id, pid, "R", quantity, 5 * quantity, stage)


def test_a_booking_confirms_its_tickets_and_a_cancellation_releases_them():
    booked = move_of(_event(TicketBooked, _booking(quantity=3)))
    cancelled = move_of(_event(TicketCancelled, {**_booking(quantity=3), "cancelledAt": "t", "reason": "CUSTOMER"}))
    assert booked == Move("B1", "P1", "R", 3, 15, Stage.CONFIRMED)
    assert cancelled == Move("B1", "P1", "R", 3, 15, Stage.RELEASED)


def test_other_events_move_no_booking():
    assert move_of(_event(PerformanceRegistered, PERFORMANCE)) is None


def test_what_each_stage_counts_sold_and_seats_taken():
    move = _move("B", Stage.CONFIRMED, quantity=3)
    assert [(move.sold(s), move.taken(s)) for s in Stage] == [(0, 0), (0, 3), (3, 3), (0, 0)]


def test_two_events_of_one_booking_in_a_batch_count_as_the_later_whatever_their_order():
    late = [_move("B1", Stage.RELEASED), _move("B1", Stage.CONFIRMED), _move("B2", Stage.CONFIRMED)]
    assert {b: m.stage for b, m in highest(late).items()} == {"B1": Stage.RELEASED, "B2": Stage.CONFIRMED}


def test_a_batch_is_applied_per_performance_and_one_performances_trouble_fails_only_its_bookings(monkeypatch):
    applied: dict[str, dict[str, Stage]] = {}

    def apply(performance_id, moves):
        if performance_id == "P2":
            raise RuntimeError("throttled")
        applied[performance_id] = {b: m.stage for b, m in moves.items()}
        return {"B0"} & set(moves)

    monkeypatch.setattr(service.store, "apply_moves", apply)
    ignored, failures = service.apply_moves(
        [_move("B0", Stage.CONFIRMED), _move("B1", Stage.CONFIRMED), _move("B1", Stage.RELEASED),
         _move("B2", Stage.CONFIRMED, pid="P2")]
    )  # fmt: skip
    assert applied == {"P1": {"B0": Stage.CONFIRMED, "B1": Stage.RELEASED}}
    assert ignored == {"B0"}
    assert set(failures) == {"B2"}
