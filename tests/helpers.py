"""Small steps the behaviour tests share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api_events import CUSTOMER, ORGANIZER
from tests.stack import Stack, call_api


def future(days: int = 30, offset: str = "+09:00") -> str:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT19:30:00") + offset


def register(
    stack: Stack,
    capacity: int = 100,
    title: str = "Beethoven 9",
    claims=ORGANIZER,
    settle: bool = True,
    grades: list[dict] | None = None,
    max_per_customer: int = 10,
    teams: list[str] | None = None,
) -> dict:
    """A performance registered through the API; without `grades`, one free grade of `capacity` seats; with `teams`,
    a match. The limit per customer is the most the API allows unless a test is about it."""
    request = {"title": title, "venue": "Concert Hall", "startsAt": future(), "maxPerCustomer": max_per_customer}
    request |= {"grades": grades} if grades else {"capacity": capacity}
    request |= {"kind": "MATCH", "teams": teams} if teams else {}
    status, body = call_api(stack, "POST", "/performances", request, claims=claims)
    assert status == 201, body
    if settle:
        stack.settle()  # the booking side learns of it through the chain
    return body


def book(
    stack: Stack,
    performance_id: str,
    quantity: int = 2,
    claims=CUSTOMER,
    headers=None,
    grade: str | None = None,
    payment_method: str | None = None,
    team: str | None = None,
    stake: int | None = None,
) -> tuple[int, dict]:
    request = {"performanceId": performance_id, "quantity": quantity, **({"grade": grade} if grade else {})}
    if payment_method:
        request["paymentMethod"] = payment_method
    request |= {k: v for k, v in (("team", team), ("stake", stake)) if v is not None}
    return call_api(stack, "POST", "/bookings", request, claims=claims, headers=headers)


def booked_count(stack: Stack, performance_id: str) -> int:
    status, body = call_api(stack, "GET", f"/performances/{performance_id}")
    assert status == 200, body
    return body["bookedCount"]
