"""Taking the money over HTTP on the local stack, with localstripe as the payment provider, reached by the deployed
functions through the template's PaymentApiBase and PaymentSecret exactly as Stripe would be on AWS.

Paid, declined, authentication required; the provider stopped (202 PAYMENT_PENDING, settled by the retry queue
when it is back); the shared breaker opening after BreakerFailures failures with the provider hanging, answering
fast while open, and closing after a trial; a hold running out; refunds on both kinds of cancellation, each once;
the per-customer limit counting pending tickets. Everything is checked against localstripe's own records.

The local samconfig makes holds 1 minute and the breaker 3 failures / 5 s, so these run in minutes, not hours.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

pytestmark = pytest.mark.e2e

PRICE = 50_000


def _starts() -> str:
    return (datetime.now(UTC) + timedelta(days=45)).strftime("%Y-%m-%dT19:30:00+09:00")


def _customer(api) -> str:
    return api.token(f"pay-{uuid.uuid4().hex[:10]}")


def _register(api, seats: int = 50, limit: int = 10) -> str:
    organizer = api.token("pay-org", organizer=True)
    body = {"title": "정경화 바이올린 리사이틀", "venue": "콘서트홀", "startsAt": _starts(), "maxPerCustomer": limit,
            "grades": [{"grade": "R", "price": PRICE, "seats": seats}]}  # fmt: skip
    r = api.call("POST", "/performances", organizer, json=body)
    assert r.status_code == 201, r.text
    pid = r.json()["performanceId"]
    api.wait_for(lambda: _remaining_known(api, pid), "the performance opening for booking")
    return pid


def _remaining_known(api, pid: str) -> bool:
    inventory = api.stack.client("dynamodb").get_item(
        TableName=api.stack.resources["BookingsTable"],
        Key={"pk": {"S": f"PERF#{pid}"}, "sk": {"S": "INVENTORY"}},
        ConsistentRead=True,
    )
    return "avail_R" in inventory.get("Item", {})


def _book(api, token: str, pid: str, quantity: int = 1, method: str = "pm_card_visa", **kwargs):
    body = {"performanceId": pid, "grade": "R", "quantity": quantity, "paymentMethod": method}
    return api.call("POST", "/bookings", token, json=body, **kwargs)


def _booking(api, token: str, booking_id: str) -> dict | None:
    r = api.call("GET", f"/bookings/{booking_id}", token)
    return r.json() if r.status_code == 200 else None


def _intents_of(stack, booking_id: str) -> list[dict]:
    return [i for i in stack.payments.payment_intents() if i.get("metadata", {}).get("bookingId") == booking_id]


def _local_parameter(name: str) -> str:
    """A template parameter as the local stack is deployed with it (samconfig.toml's `local` environment)."""
    import shlex
    import tomllib

    from boxoffice_dev.paths import ROOT

    overrides = tomllib.loads((ROOT / "samconfig.toml").read_text())["local"]["deploy"]["parameters"]
    return dict(o.split("=", 1) for o in shlex.split(overrides["parameter_overrides"]))[name]


def _breaker(stack) -> dict:
    item = stack.client("dynamodb").get_item(
        TableName=stack.resources["BookingsTable"],
        Key={"pk": {"S": "BREAKER#payments"}, "sk": {"S": "BREAKER"}},
        ConsistentRead=True,
    )
    return {k: next(iter(v.values())) for k, v in item.get("Item", {}).items()}


@pytest.fixture
def provider(api):
    """localstripe answering and the breaker closed before each test (an earlier test may have left it open): a
    probe booking goes through, as the trial call that closes it."""
    stack = api.stack
    stack.payments.resume()
    if not stack.payments.running:
        stack.payments.start()
    probe_pid = _register(api, seats=500, limit=10)

    def closed() -> bool:
        breaker = _breaker(stack)
        if breaker.get("st", "closed") == "closed" and int(breaker.get("fc", 0)) == 0:
            return True
        _book(api, _customer(api), probe_pid)
        return False

    api.wait_for(closed, "the payment breaker closed", timeout=60)
    yield stack.payments
    stack.payments.resume()
    if not stack.payments.running:
        stack.payments.start()


def test_paid_booking_is_confirmed_with_one_succeeded_intent_of_its_amount(api, provider):
    pid, token = _register(api), _customer(api)
    r = _book(api, token, pid, quantity=2)
    assert r.status_code == 201, r.text
    booking = r.json()
    assert (booking["status"], booking["amount"], booking["currency"]) == ("CONFIRMED", 2 * PRICE, "KRW")
    [intent] = _intents_of(api.stack, booking["bookingId"])
    assert (intent["id"], intent["status"], intent["amount"], intent["currency"]) == (
        booking["paymentId"], "succeeded", 2 * PRICE, "krw",
    )  # fmt: skip
    api.wait_for(lambda: (_booking(api, token, booking["bookingId"]) or {}).get("status") == "CONFIRMED", "the view")


def test_a_declined_card_is_402_with_the_reason_and_the_seats_back(api, provider):
    pid, token = _register(api, seats=3), _customer(api)
    r = _book(api, token, pid, quantity=3, method="pm_card_chargeCustomerFail")
    assert (r.status_code, r.json()["code"]) == (402, "PAYMENT_DECLINED"), r.text
    assert "declined" in r.json()["message"]
    booking_id = r.json()["details"]["bookingId"]
    assert [i["status"] for i in _intents_of(api.stack, booking_id)] != ["succeeded"]
    assert _book(api, _customer(api), pid, quantity=3).status_code == 201  # the seats were back at once
    view = api.wait_for(lambda: _booking(api, token, booking_id), "the failed booking in the view")
    assert (view["status"], view["failureReason"]) == ("PAYMENT_FAILED", r.json()["message"])


def test_a_card_that_needs_authentication_is_402_action_required(api, provider):
    pid, token = _register(api), _customer(api)
    card = {"number": "4000002500003155", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    method = provider.request("POST", "/v1/payment_methods", {"type": "card", "card": card})["id"]
    r = _book(api, token, pid, method=method)
    assert (r.status_code, r.json()["code"]) == (402, "PAYMENT_ACTION_REQUIRED"), r.text
    [intent] = _intents_of(api.stack, r.json()["details"]["bookingId"])
    assert intent["status"] == "canceled"  # given up: nothing charged, nothing left waiting


def test_with_the_provider_stopped_202_pending_then_confirmed_once_it_is_back(api, provider):
    pid, token = _register(api), _customer(api)
    provider.stop()
    r = _book(api, token, pid, quantity=2)
    assert r.status_code == 202, r.text
    pending = r.json()
    assert (pending["status"], pending["holdExpiresAt"] > pending["createdAt"]) == ("PAYMENT_PENDING", True)
    view = api.wait_for(lambda: _booking(api, token, pending["bookingId"]), "the pending booking in the view")
    assert view["status"] == "PAYMENT_PENDING"
    provider.start()
    confirmed = api.wait_for(
        lambda: (b := _booking(api, token, pending["bookingId"])) and b["status"] == "CONFIRMED" and b,
        "the retry queue settling it",
        timeout=120,
    )
    [intent] = _intents_of(api.stack, pending["bookingId"])
    assert (intent["id"], intent["status"], intent["amount"]) == (confirmed["paymentId"], "succeeded", 2 * PRICE)


def test_the_breaker_opens_answers_fast_while_open_and_closes_after_a_trial(api, provider):
    failures = int(_local_parameter("BreakerFailures"))
    pid = _register(api, seats=300, limit=10)
    provider.pause()  # a provider that hangs: every call waits for the timeout
    slow = []
    # Each pending booking's retry (from its queue) fails too, so the breaker may open before `failures` bookings.
    while _breaker(api.stack).get("st") != "open":
        assert len(slow) < failures, f"still {_breaker(api.stack)} after {slow}"
        began = time.perf_counter()
        assert _book(api, _customer(api), pid).status_code == 202
        slow.append(time.perf_counter() - began)
    assert max(slow) > 1.0, slow  # those waited for the provider's timeout
    began = time.perf_counter()
    assert _book(api, _customer(api), pid).status_code == 202
    fast = time.perf_counter() - began
    assert fast < max(slow) / 2, f"while open {fast:.2f}s, before {slow}"  # no waiting for the timeout
    provider.resume()
    # Each attempt a new customer (a 202 holds the customer's tickets), once a second: until the reset time has
    # passed, they are answered 202 without a call; then one is the trial call, and it is paid.
    first = api.wait_for(
        lambda: (r := _book(api, _customer(api), pid)).status_code == 201 and r.json(),
        "a trial booking after the reset time",
        timeout=60,
    )
    assert first["status"] == "CONFIRMED"
    assert _breaker(api.stack)["st"] == "closed"


def test_a_hold_that_runs_out_expires_within_a_minute_with_its_seats_back(api, provider):
    pid, token = _register(api, seats=2), _customer(api)
    provider.stop()
    pending = _book(api, token, pid, quantity=2).json()
    assert pending["status"] == "PAYMENT_PENDING"
    assert _book(api, _customer(api), pid).json()["code"] == "SOLD_OUT"  # held seats are not for sale
    expired = api.wait_for(
        lambda: (b := _booking(api, token, pending["bookingId"])) and b["status"] == "EXPIRED" and b,
        "the hold running out",
        timeout=200,
    )
    lag = datetime.now(UTC) - datetime.fromisoformat(pending["holdExpiresAt"].replace("Z", "+00:00"))
    assert lag < timedelta(seconds=60 + 15), f"expired {lag} after its hold ran out"  # one sweep a minute
    assert expired["status"] == "EXPIRED"
    provider.start()
    assert _book(api, _customer(api), pid, quantity=2).status_code in (201, 202)  # the seats were back


def _refunds_of(provider, intent_id: str) -> list[dict]:
    return provider.refunds(payment_intent=intent_id)


def test_a_customer_cancellation_is_refunded_once(api, provider):
    pid, token = _register(api), _customer(api)
    booking = _book(api, token, pid, quantity=3).json()
    r = api.call("POST", f"/bookings/{booking['bookingId']}/cancel", token)
    assert (r.status_code, r.json()["status"], r.json()["refund"]) == (200, "CANCELLED", {"status": "PENDING"})
    api.wait_for(
        lambda: (_booking(api, token, booking["bookingId"]) or {}).get("refund") == {"status": "REFUNDED"},
        "the refund",
        timeout=90,
    )
    refunds = _refunds_of(provider, booking["paymentId"])
    assert [x["amount"] for x in refunds] == [3 * PRICE]


def test_a_cancelled_performance_refunds_every_paid_booking_once(api, provider):
    pid = _register(api, seats=30)
    organizer = api.token("pay-org", organizer=True)
    tokens = [_customer(api) for _ in range(4)]
    paid = [(t, _book(api, t, pid, quantity=1 + n % 2).json()) for n, t in enumerate(tokens)]
    assert api.call("POST", f"/performances/{pid}/cancel", organizer).status_code == 200

    def all_refunded() -> bool:
        return all((_booking(api, t, b["bookingId"]) or {}).get("refund") == {"status": "REFUNDED"} for t, b in paid)

    api.wait_for(all_refunded, "every paid booking refunded", timeout=120)
    for _, b in paid:
        assert [x["amount"] for x in _refunds_of(provider, b["paymentId"])] == [b["amount"]]


def test_the_limit_counts_tickets_whose_payment_is_pending(api, provider):
    pid, token = _register(api, limit=3), _customer(api)
    provider.stop()
    assert _book(api, token, pid, quantity=3).status_code == 202
    r = _book(api, token, pid, quantity=1)
    assert (r.status_code, r.json()["code"], r.json()["details"]["allowed"]) == (409, "LIMIT_EXCEEDED", 0)
