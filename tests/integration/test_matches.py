"""Matches through the API and the chain: a match and its teams, a ticket's team pick and stake charged and refunded
with it, the tally anyone reads, and the organizer's view of every ticket filtered by status and team."""

from __future__ import annotations

import pytest

from tests.api_events import CUSTOMER, ORGANIZER, OTHER_CUSTOMER, OTHER_ORGANIZER
from tests.helpers import book, future, register
from tests.integration._support import booking_items, performance_bookings, unknown_id
from tests.stack import call_api

HOME, AWAY = "두산 베어스", "LG 트윈스"
GRADES = [{"grade": "R", "price": 50_000, "seats": 40}, {"grade": "S", "price": 20_000, "seats": 60}]


def _match(stack, **kwargs) -> str:
    return register(stack, title=f"{HOME} vs {AWAY}", grades=GRADES, teams=[HOME, AWAY], **kwargs)["performanceId"]


def _tally(stack, pid: str) -> dict[str, tuple[int, int, int]]:
    status, body = call_api(stack, "GET", f"/performances/{pid}/tally")
    assert status == 200, body
    return {t["team"]: (t["tickets"], t["bookings"], t["stake"]) for t in body["teams"]}


def test_a_match_is_a_performance_with_teams_and_a_concert_has_none(stack):
    pid = _match(stack)
    status, match = call_api(stack, "GET", f"/performances/{pid}")
    assert status == 200, match
    assert (match["kind"], match["teams"], match["capacity"]) == ("MATCH", [HOME, AWAY], 100)
    concert = register(stack)
    assert (concert["kind"], concert["teams"]) == ("CONCERT", None)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"teams": [HOME, AWAY]}, "NOT_A_MATCH"),
        ({"kind": "MATCH"}, "TEAMS_REQUIRED"),
        ({"kind": "MATCH", "teams": [HOME, HOME]}, "DUPLICATE_TEAM"),
        ({"kind": "MATCH", "teams": [HOME]}, "VALIDATION_ERROR"),
        ({"kind": "MATCH", "teams": [HOME, "x" * 61]}, "VALIDATION_ERROR"),
        ({"kind": "GAME", "teams": [HOME, AWAY]}, "VALIDATION_ERROR"),
    ],
)
def test_kind_and_teams_that_disagree_are_refused_and_nothing_is_registered(stack, extra, code):
    body = {"title": "x", "venue": "잠실", "startsAt": future(), "capacity": 10, **extra}
    status, answer = call_api(stack, "POST", "/performances", body, claims=ORGANIZER)
    assert (status, answer["code"]) == (400, code), answer
    assert call_api(stack, "GET", "/performances")[1]["items"] == []


@pytest.mark.parametrize(
    ("match", "extra", "code"),
    [
        (True, {}, "TEAM_REQUIRED"),
        (True, {"team": "KIA 타이거즈"}, "TEAM_NOT_FOUND"),
        (True, {"team": HOME, "stake": 1500}, "VALIDATION_ERROR"),
        (True, {"team": HOME, "stake": 2_000_000}, "VALIDATION_ERROR"),
        (False, {"team": HOME}, "NOT_A_MATCH"),
        (False, {"stake": 1000}, "NOT_A_MATCH"),
    ],
)
def test_a_match_ticket_needs_one_of_its_teams_and_a_concert_ticket_takes_neither(stack, match, extra, code):
    pid = _match(stack) if match else register(stack, grades=GRADES)["performanceId"]
    request = {"performanceId": pid, "quantity": 1, "grade": "S", "paymentMethod": "pm_card_visa", **extra}
    status, answer = call_api(stack, "POST", "/bookings", request, claims=CUSTOMER)
    assert (status, answer["code"]) == (400, code), answer
    assert booking_items(stack, pid) == []


def test_the_stake_is_charged_with_the_tickets_in_one_payment_and_refunded_with_them(stack, provider):
    pid = _match(stack)
    status, ticket = book(stack, pid, 2, grade="R", team=AWAY, stake=30_000, payment_method="pm_card_visa")
    assert status == 201, ticket
    assert (ticket["team"], ticket["stake"], ticket["amount"], ticket["status"]) == (AWAY, 30_000, 130_000, "CONFIRMED")
    [intent] = provider.succeeded()
    assert intent["amount"] == 130_000
    stack.settle()
    status, view = call_api(stack, "GET", f"/bookings/{ticket['bookingId']}", claims=CUSTOMER)
    assert (status, view["team"], view["stake"], view["amount"]) == (200, AWAY, 30_000, 130_000)
    assert _tally(stack, pid) == {HOME: (0, 0, 0), AWAY: (2, 1, 30_000)}

    for _ in range(2):  # a repeated cancellation refunds nothing more
        status, cancelled = call_api(stack, "POST", f"/bookings/{ticket['bookingId']}/cancel", claims=CUSTOMER)
        assert (status, cancelled["status"]) == (200, "CANCELLED"), cancelled
        stack.settle()
    assert provider.refunds == [(intent["id"], 130_000)]
    assert _tally(stack, pid) == {HOME: (0, 0, 0), AWAY: (0, 0, 0)}


def test_a_stake_on_free_seats_is_still_paid_for(stack, provider):
    pid = register(stack, capacity=10, teams=[HOME, AWAY])["performanceId"]
    status, answer = book(stack, pid, 1, team=HOME, stake=5000)
    assert (status, answer["code"]) == (400, "PAYMENT_METHOD_REQUIRED"), answer
    status, ticket = book(stack, pid, 1, team=HOME, stake=5000, payment_method="pm_card_visa")
    assert (status, ticket["amount"]) == (201, 5000), ticket
    status, free = book(stack, pid, 1, team=HOME)
    assert (status, free["amount"], free["stake"]) == (201, 0, 0), free
    assert [i["amount"] for i in provider.succeeded()] == [5000]


def test_the_tally_is_for_anyone_and_only_for_matches(stack):
    pid = _match(stack)
    assert _tally(stack, pid) == {HOME: (0, 0, 0), AWAY: (0, 0, 0)}  # registered, nothing sold
    for path in (f"/performances/{unknown_id()}/tally", f"/performances/{register(stack)['performanceId']}/tally"):
        status, body = call_api(stack, "GET", path)
        assert (status, body["code"]) == (404, "MATCH_NOT_FOUND"), body
    assert call_api(stack, "GET", "/performances/not-an-id/tally")[0] == 400


def test_sales_go_on_while_the_tally_is_down_and_it_catches_up(stack):
    pid = _match(stack)
    stack.down = {"TallyFunction"}
    stakes = [(HOME, 0), (AWAY, 10_000), (HOME, 5000), (AWAY, 0), (HOME, 1000)]
    tickets = []
    for n, (team, stake) in enumerate(stakes):
        claims = {"sub": f"fan-{n}"}
        status, ticket = book(stack, pid, 1 + n % 2, claims=claims, grade="S", team=team, stake=stake,
                              payment_method="pm_card_visa")  # fmt: skip
        assert status == 201, ticket
        tickets.append((ticket, claims))
    victim, who = tickets[1]
    assert call_api(stack, "POST", f"/bookings/{victim['bookingId']}/cancel", claims=who)[0] == 200
    stack.settle()
    assert stack.visible("TallyQueue") > 0
    assert _tally(stack, pid) == {HOME: (0, 0, 0), AWAY: (0, 0, 0)}  # nothing counted while it is down
    _, summary = performance_bookings(stack, pid)  # ... while the organizer's view is up to date
    assert [(t["team"], t["tickets"]) for t in summary["teams"]] == [(HOME, 1 + 1 + 1), (AWAY, 2)]

    stack.down = set()
    stack.settle()
    assert _tally(stack, pid) == {HOME: (3, 3, 6000), AWAY: (2, 1, 0)}


def _organizer_view(stack, pid: str, claims=ORGANIZER, **filters) -> tuple[list[dict], dict]:
    items, token = [], None
    while True:
        query = {"limit": "2", **filters, **({"nextToken": token} if token else {})}
        status, page = call_api(stack, "GET", f"/performances/{pid}/bookings", claims=claims, query=query)
        assert status == 200, page
        assert len(page["items"]) <= 2
        items += page["items"]
        token = page["nextToken"]
        if not token:
            return items, page["summary"]


def test_the_organizer_sees_every_ticket_filtered_by_status_and_team_with_a_summary_per_team(stack, provider):
    pid = _match(stack)
    made = []
    plan = [(HOME, 10_000, "pm_card_visa"), (AWAY, 0, "pm_card_visa"), (HOME, 2000, "pm_card_chargeCustomerFail"),
            (AWAY, 5000, "pm_card_visa"), (HOME, 0, "pm_card_visa"), (AWAY, 1000, "pm_card_visa")]  # fmt: skip
    for n, (team, stake, method) in enumerate(plan):
        claims = {"sub": f"fan-{n}"}
        status, ticket = book(stack, pid, 1, claims=claims, grade="R", team=team, stake=stake, payment_method=method)
        assert status in (201, 402), ticket
        made.append((ticket, claims))
    for ticket, claims in (made[3], made[4]):
        assert call_api(stack, "POST", f"/bookings/{ticket['bookingId']}/cancel", claims=claims)[0] == 200
    stack.settle()
    truth = {b["bookingId"]: (b["status"], b["team"], int(b["stake"])) for b in booking_items(stack, pid)}
    assert sorted(s for s, _, _ in truth.values()) == ["CANCELLED", "CANCELLED", "CONFIRMED", "CONFIRMED",
                                                       "CONFIRMED", "PAYMENT_FAILED"]  # fmt: skip

    everything, summary = _organizer_view(stack, pid)
    assert {v["bookingId"]: (v["status"], v["team"], v["stake"]) for v in everything} == truth
    assert {v["bookingId"]: v.get("refund") for v in everything if v["status"] == "CANCELLED"} == {
        made[3][0]["bookingId"]: {"status": "REFUNDED"},
        made[4][0]["bookingId"]: {"status": "REFUNDED"},
    }
    for filters in ({"status": "CONFIRMED"}, {"team": HOME}, {"status": "CANCELLED", "team": AWAY}):
        found, _ = _organizer_view(stack, pid, **filters)
        expected = {
            b for b, (status, team, _) in truth.items()
            if filters.get("status", status) == status and filters.get("team", team) == team
        }  # fmt: skip
        assert {v["bookingId"] for v in found} == expected, filters
        assert expected, filters
    assert summary["teams"] == [
        {"team": HOME, "tickets": 1, "bookings": 1, "stake": 10_000},
        {"team": AWAY, "tickets": 2, "bookings": 2, "stake": 1000},
    ]
    assert summary["teams"] == [
        {"team": t, "tickets": n, "bookings": b, "stake": s} for t, (n, b, s) in _tally(stack, pid).items()
    ]

    for claims, code in ((OTHER_ORGANIZER, "NOT_YOUR_PERFORMANCE"), (OTHER_CUSTOMER, "FORBIDDEN")):
        status, body = call_api(stack, "GET", f"/performances/{pid}/bookings", claims=claims)
        assert (status, body["code"]) == (403, code), body
    for bad in ({"status": "APPROVED"}, {"team": ""}, {"team": "x" * 61}):
        status, body = call_api(stack, "GET", f"/performances/{pid}/bookings", claims=ORGANIZER, query=bad)
        assert (status, body["code"]) == (400, "VALIDATION_ERROR"), (bad, body)
