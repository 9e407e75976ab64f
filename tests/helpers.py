"""Small steps the behaviour tests share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api_events import CUSTOMER, ORGANIZER
from tests.stack import Stack, call_api


def future(days: int = 30, offset: str = "+09:00") -> str:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.strftime("%Y-%m-%dT19:30:00") + offset


def register(
    stack: Stack, capacity: int = 100, title: str = "Beethoven 9", claims=ORGANIZER, settle: bool = True
) -> dict:
    status, body = call_api(
        stack,
        "POST",
        "/performances",
        {"title": title, "venue": "Concert Hall", "startsAt": future(), "capacity": capacity},
        claims=claims,
    )
    assert status == 201, body
    if settle:
        stack.settle()  # the booking side learns of it through the chain
    return body


def book(stack: Stack, performance_id: str, quantity: int = 2, claims=CUSTOMER, headers=None) -> tuple[int, dict]:
    return call_api(
        stack,
        "POST",
        "/bookings",
        {"performanceId": performance_id, "quantity": quantity},
        claims=claims,
        headers=headers,
    )


def booked_count(stack: Stack, performance_id: str) -> int:
    status, body = call_api(stack, "GET", f"/performances/{performance_id}")
    assert status == 200, body
    return body["bookedCount"]
