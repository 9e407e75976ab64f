"""Matches: a match's teams, a ticket's team pick and stake, what it is charged, and the per-team counts the tally
and the organizer's summary keep."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from boxoffice.bookings import service as bookings
from boxoffice.errors import InvalidRequest
from boxoffice.models import BookTicketInput, RegisterPerformanceInput
from boxoffice.moves import Move, Stage
from boxoffice.performances import service as performances
from boxoffice.statusview import service as statusview
from boxoffice.tally import service as tally
from boxoffice.tally.records import TeamChange
from tests.unit.test_booking_rules import DETAILS, PID
from tests.unit.test_request_validation import _performance

HOME, AWAY = "두산 베어스", "LG 트윈스"
MATCH = {**DETAILS, "kind": "MATCH", "teams": [HOME, AWAY]}


def _teams(**body):
    return performances.teams_of(RegisterPerformanceInput.model_validate(_performance(**body)))


def test_a_match_keeps_its_teams_in_order_and_a_concert_has_none():
    assert _teams(kind="MATCH", teams=[HOME, AWAY, " 삼성 라이온즈 "]) == [HOME, AWAY, "삼성 라이온즈"]
    assert _teams() is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"teams": [HOME, AWAY]}, "NOT_A_MATCH"),
        ({"kind": "MATCH"}, "TEAMS_REQUIRED"),
        ({"kind": "MATCH", "teams": [HOME, HOME]}, "DUPLICATE_TEAM"),
    ],
)
def test_kind_and_teams_must_agree(body, code):
    with pytest.raises(InvalidRequest) as refused:
        _teams(**body)
    assert refused.value.code == code


@pytest.mark.parametrize(
    "teams", [[HOME], [HOME, AWAY, "A", "B", "C"], [HOME, ""], [HOME, "x" * 61], [HOME, "a\u0000b"], [HOME, 7]]
)
def test_a_match_has_two_to_four_printable_names_of_one_to_sixty_characters(teams):
    with pytest.raises(ValidationError):
        RegisterPerformanceInput.model_validate(_performance(kind="MATCH", teams=teams))


@pytest.mark.parametrize("stake", [-1000, 500, 1_001_000, 1.5, "1000x"])
def test_a_stake_is_whole_thousands_of_won_up_to_a_million(stake):
    with pytest.raises(ValidationError):
        BookTicketInput(performanceId=PID, quantity=1, grade="R", team=HOME, stake=stake)


def _book(team: str | None, stake: int | None, quantity: int = 2):
    request = BookTicketInput(
        performanceId=PID, quantity=quantity, grade="R", team=team, stake=stake, paymentMethod="pm_card_visa"
    )
    return bookings.book("alice", request, correlation_id="req-1")


def test_a_match_ticket_charges_its_tickets_and_its_stake_in_one_payment_and_says_so_everywhere(store, provider):
    bookings.open_for_sale(MATCH)
    booking = _book(AWAY, 30_000)["booking"]
    assert (booking["team"], booking["stake"], booking["amount"]) == (AWAY, 30_000, 2 * 150_000 + 30_000)
    assert booking["status"] == "CONFIRMED"
    [intent] = provider.succeeded()
    assert intent["amount"] == 330_000
    [event] = store.events
    assert (event.data.kind, event.data.team, event.data.stake, event.data.amount) == ("MATCH", AWAY, 30_000, 330_000)


def test_a_stake_left_out_is_none(store, provider):
    bookings.open_for_sale(MATCH)
    booking = _book(HOME, None, quantity=1)["booking"]
    assert (booking["team"], booking["stake"], booking["amount"]) == (HOME, 0, 150_000)


@pytest.mark.parametrize(
    ("details", "team", "stake", "code"),
    [
        (MATCH, None, None, "TEAM_REQUIRED"),
        (MATCH, None, 5000, "TEAM_REQUIRED"),
        (MATCH, "KIA 타이거즈", None, "TEAM_NOT_FOUND"),
        (DETAILS, HOME, None, "NOT_A_MATCH"),
        (DETAILS, None, 0, "NOT_A_MATCH"),
    ],
)
def test_a_match_needs_one_of_its_teams_and_a_concert_takes_no_team_or_stake(store, details, team, stake, code):
    bookings.open_for_sale(details)
    with pytest.raises(InvalidRequest) as refused:
        _book(team, stake)
    assert refused.value.code == code
    assert store.bookings == {}
    assert store.events == []


def _move(booking_id: str, stage: Stage, team: str = HOME, quantity: int = 2, stake: int = 10_000) -> Move:
    return Move(booking_id, PID, "R", quantity, 300_000 + stake, stage, team, stake)


def test_the_tally_counts_confirmed_bookings_per_team_and_takes_back_cancelled_ones():
    moves = {
        "B1": _move("B1", Stage.CONFIRMED),
        "B2": _move("B2", Stage.CONFIRMED, team=AWAY, quantity=3, stake=0),
        "B3": _move("B3", Stage.RELEASED),  # was confirmed: taken back
        "B4": _move("B4", Stage.RELEASED, team=AWAY),  # never confirmed (declined, expired, or seen first)
        "B5": _move("B5", Stage.PENDING),  # not sold yet
    }
    came_from = {"B3": Stage.CONFIRMED, "B4": Stage.PENDING}
    assert tally.changes(moves, came_from) == {HOME: TeamChange(0, 0, 0), AWAY: TeamChange(3, 1, 0)}


def test_a_booking_confirmed_after_pending_counts_once():
    assert tally.changes({"B": _move("B", Stage.CONFIRMED)}, {"B": Stage.PENDING}) == {HOME: TeamChange(2, 1, 10_000)}
    assert tally.changes({"B": _move("B", Stage.RELEASED)}, {"B": Stage.CONFIRMED}) == {
        HOME: TeamChange(-2, -1, -10_000)
    }


def test_a_concert_moves_no_team():
    concert = Move("B", PID, "R", 2, 300_000, Stage.CONFIRMED)
    assert tally.changes({"B": concert}, {}) == {}


VIEW = {
    "bookingId": "B", "performanceId": "P", "customerId": "c", "grade": "R", "quantity": 3, "unitPrice": 1000,
    "amount": 8000, "currency": "KRW", "status": "CONFIRMED", "createdAt": "t", "title": "t", "startsAt": "s",
    "team": AWAY, "stake": 5000,
}  # fmt: skip


def test_the_organizers_summary_counts_a_match_ticket_under_its_team_and_its_stake_outside_the_grade():
    assert statusview.change(None, VIEW) == {
        "confirmedBookings": 1, "confirmedTickets": 3, "sold_R": 3, "revenue_R": 3000, "revenue": 8000,
        f"tickets@{AWAY}": 3, f"bookings@{AWAY}": 1, f"stake@{AWAY}": 5000,
    }  # fmt: skip
    cancelled = statusview.change(VIEW, {**VIEW, "status": "CANCELLED", "cancelReason": "CUSTOMER"})
    assert (cancelled[f"tickets@{AWAY}"], cancelled[f"bookings@{AWAY}"], cancelled[f"stake@{AWAY}"]) == (-3, -1, -5000)


def test_the_organizer_reads_every_team_of_a_match_even_one_nobody_picked_and_no_teams_for_a_concert():
    summary = {"performanceId": "P", "kind": "MATCH", "teams": [HOME, AWAY], "grades": []}
    counters = {f"tickets@{AWAY}": 3, f"bookings@{AWAY}": 1, f"stake@{AWAY}": 5000}
    assert statusview.summary_view(summary, counters)["teams"] == [
        {"team": HOME, "tickets": 0, "bookings": 0, "stake": 0},
        {"team": AWAY, "tickets": 3, "bookings": 1, "stake": 5000},
    ]
    assert statusview.summary_view({"performanceId": "P", "grades": []}, {})["teams"] is None
