"""What `make run` seeds, so that a newcomer who opens the portal sees a live one at once: a demo customer and a demo
organizer (real users of the stack's user pool, who sign in to the portal with the printed password), and a graded
demo concert and a demo match registered by that organizer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import requests

from boxoffice_dev.aws import client
from boxoffice_dev.tokens import ensure_user, sign_in

ORGANIZERS = "organizers"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    token: str


def _password() -> str:
    # Fresh for every stack (its user pool lives in memory): letters, digits and symbols, longer than the pool's 12.
    return f"Demo-{secrets.token_urlsafe(12)}-7a"


def user(endpoint: str, outputs: dict[str, str], email: str, groups: list[str] = ()) -> DemoUser:
    """A user of the stack's pool named by their email address (as the portal's sign-up names them)."""
    idp = client("cognito-idp", endpoint)
    password = _password()
    ensure_user(idp, outputs["UserPoolId"], email, password, groups, email=email)
    return DemoUser(email, password, sign_in(idp, outputs["UserPoolId"], outputs["UserPoolClientId"], email, password))


def starts_in(days: int) -> str:
    """An evening start `days` from now, in Seoul's offset."""
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT19:30:00+09:00")


DEMO_CONCERT = {
    "title": "베토벤 교향곡 9번 (demo)",
    "venue": "예술의전당 콘서트홀",
    "grades": [
        {"grade": "R", "price": 150000, "seats": 100},
        {"grade": "S", "price": 90000, "seats": 150},
        {"grade": "A", "price": 50000, "seats": 250},
    ],
    "maxPerCustomer": 4,
}


DEMO_MATCH = {
    "title": "두산 베어스 vs LG 트윈스 (demo)",
    "venue": "잠실야구장",
    "kind": "MATCH",
    "teams": ["두산 베어스", "LG 트윈스"],
    "grades": [{"grade": "TABLE", "price": 70000, "seats": 200}, {"grade": "OUTFIELD", "price": 15000, "seats": 800}],
    "maxPerCustomer": 4,
}


def register(stack, organizer_token: str, body: dict) -> str:
    """Register through the API and wait until the chain has opened it for booking; its id."""
    response = requests.post(
        f"{stack.url}/performances", json=body, headers={"Authorization": f"Bearer {organizer_token}"}, timeout=30
    )
    response.raise_for_status()
    performance_id = response.json()["performanceId"]
    table = stack.resources["BookingsTable"]
    dynamodb = stack.client("dynamodb")
    key = {"pk": {"S": f"PERF#{performance_id}"}, "sk": {"S": "INVENTORY"}}
    stack.wait_for(
        lambda: "Item" in dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True),
        timeout=60,
        what="the demo performance opening for booking",
    )
    return performance_id


def concert(stack, organizer_token: str) -> str:
    return register(stack, organizer_token, {**DEMO_CONCERT, "startsAt": starts_in(30)})


def match(stack, organizer_token: str) -> str:
    return register(stack, organizer_token, {**DEMO_MATCH, "startsAt": starts_in(30)})
