"""A match over HTTP on the local stack: tickets with team picks and stakes paid through localstripe, the tally
following each sale and cancellation (how long it takes is printed), the stake refunded with the tickets, and the
organizer's view filtered by team."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e

HOME, AWAY = "두산 베어스", "LG 트윈스"
SALES = 30


def _starts() -> str:
    return (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT18:30:00+09:00")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _tally(api, pid: str) -> dict[str, tuple[int, int, int]]:
    r = api.call("GET", f"/performances/{pid}/tally")
    assert r.status_code == 200, r.text
    return {t["team"]: (t["tickets"], t["bookings"], t["stake"]) for t in r.json()["teams"]}


def _until_tally(api, pid: str, expected: dict, what: str) -> float:
    """Seconds until the tally reads `expected` (polled; the request's own time included)."""
    began = time.perf_counter()
    api.stack.wait_for(lambda: _tally(api, pid) == expected, timeout=60, interval=0.02, what=what)
    return time.perf_counter() - began


def test_the_tally_follows_each_sale_and_cancellation_and_the_stake_is_refunded(api):
    organizer = api.token("match-org", organizer=True)
    fans = [api.token(f"match-fan-{n}") for n in range(SALES)]
    body = {
        "title": f"{HOME} vs {AWAY}", "venue": "잠실야구장", "startsAt": _starts(), "kind": "MATCH",
        "teams": [HOME, AWAY], "grades": [{"grade": "TABLE", "price": 70_000, "seats": 100}], "maxPerCustomer": 4,
    }  # fmt: skip
    r = api.call("POST", "/performances", organizer, json=body)
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["teams"]) == ("MATCH", [HOME, AWAY])
    pid = r.json()["performanceId"]
    api.wait_for(lambda: api.call("GET", f"/performances/{pid}/tally").status_code == 200, "the match in the tally")

    expected = {HOME: (0, 0, 0), AWAY: (0, 0, 0)}
    lags, tickets = [], []
    for n, fan in enumerate(fans):
        team, quantity, stake = (HOME, AWAY)[n % 2], 1 + n % 2, (n % 4) * 5000

        def booked(fan=fan, team=team, quantity=quantity, stake=stake):
            request = {"performanceId": pid, "grade": "TABLE", "quantity": quantity, "team": team, "stake": stake,
                       "paymentMethod": "pm_card_visa"}  # fmt: skip
            r = api.call("POST", "/bookings", fan, json=request)
            return r.json() if r.status_code == 201 else None

        ticket = api.wait_for(booked, "the match opening for booking")  # only the first waits
        assert (ticket["team"], ticket["stake"], ticket["amount"]) == (team, stake, quantity * 70_000 + stake)
        tickets.append((ticket, fan))
        t, b, s = expected[team]
        expected[team] = (t + quantity, b + 1, s + stake)
        lags.append(_until_tally(api, pid, expected, f"booking {n} in the tally"))

    # Cancelled tickets leave the tally, and their stake is refunded with them (localstripe's records).
    for ticket, fan in tickets[:6]:
        r = api.call("POST", f"/bookings/{ticket['bookingId']}/cancel", fan)
        assert (r.status_code, r.json()["status"]) == (200, "CANCELLED"), r.text
        t, b, s = expected[ticket["team"]]
        expected[ticket["team"]] = (t - ticket["quantity"], b - 1, s - ticket["stake"])
        lags.append(_until_tally(api, pid, expected, "a cancellation in the tally"))
    for ticket, _ in tickets[:6]:
        [intent] = [
            i
            for i in api.stack.payments.payment_intents()
            if i.get("metadata", {}).get("bookingId") == ticket["bookingId"]
        ]
        assert intent["amount"] == ticket["amount"]
        api.wait_for(
            lambda intent=intent, ticket=ticket: (
                [r["amount"] for r in api.stack.payments.refunds(payment_intent=intent["id"])] == [ticket["amount"]]
            ),
            f"the refund of {ticket['bookingId']}",
        )

    # The organizer's view: every ticket of one team, and the summary per team agreeing with the tally.
    r = api.call("GET", f"/performances/{pid}/bookings", organizer, params={"team": AWAY, "limit": 100})
    assert r.status_code == 200, r.text
    page = r.json()
    assert {b["bookingId"] for b in page["items"]} == {t["bookingId"] for t, _ in tickets if t["team"] == AWAY}
    assert {t["team"]: (t["tickets"], t["bookings"], t["stake"]) for t in page["summary"]["teams"]} == expected

    print(
        f"\ntally lag after a sale or cancellation over HTTP ({len(lags)}): p50 {_percentile(lags, 50) * 1000:.0f} ms,"
        f" p95 {_percentile(lags, 95) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"
    )
