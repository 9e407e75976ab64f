"""In-memory stand-ins for the stores and the payment provider, with the rules the real ones enforce: for the pure
domain tests, and (the provider) for the integration tier, where the provider is the one thing not in moto."""

from __future__ import annotations

import copy
import itertools

import pybreaker

from boxoffice.bookings.records import BookingRecord, BookingRef, InventoryRecord, PerformanceDetails
from boxoffice.bookings.store import Cancellation, LimitRefused, Moved, SeatsRefused
from boxoffice.payments.breaker import _is_answer
from boxoffice.payments.port import Charge, ChargeStatus, ProviderUnavailable, RefundRefused


class FakeBookingsStore:
    """boxoffice.bookings.store as dicts: the seat check per grade, the per-customer limit, and the one-way
    CONFIRMED -> CANCELLED move, each as the table's conditions have them."""

    SeatsRefused = SeatsRefused
    LimitRefused = LimitRefused
    Moved = Moved
    _HOLDING = ("HELD", "PAYMENT_PENDING")

    def __init__(self) -> None:
        self.inventories: dict[str, InventoryRecord] = {}
        self.held: dict[tuple[str, str], int] = {}  # (performance, customer) -> tickets held
        self.bookings: dict[str, BookingRecord] = {}
        self.events: list = []
        self.reads = 0

    # ------------------------------------------------------------------ inventory
    def open_inventory(self, details: PerformanceDetails) -> None:
        facts = {k: details[k] for k in ("performanceId", "title", "startsAt", "organizerId")}
        current = self.inventories.setdefault(details["performanceId"], {**facts, "status": "OPEN"})
        current.update(facts)
        current.setdefault("capacity", details["capacity"])
        current.setdefault("maxPerCustomer", details["maxPerCustomer"])
        current.setdefault("kind", details.get("kind", "CONCERT"))
        current.setdefault("teams", details.get("teams"))
        current.setdefault(
            "grades", {g["grade"]: {"price": g["price"], "seats": g["seats"]} for g in details["grades"]}
        )
        current.setdefault("available", {g["grade"]: g["seats"] for g in details["grades"]})

    def close_inventory(self, details: PerformanceDetails) -> None:
        facts = {k: details[k] for k in ("performanceId", "title", "startsAt", "organizerId")}
        self.inventories.setdefault(details["performanceId"], facts)["status"] = "CANCELLED"

    def get_inventory(self, performance_id: str) -> InventoryRecord | None:
        self.reads += 1
        return copy.deepcopy(self.inventories.get(performance_id))

    # ------------------------------------------------------------------ bookings
    def insert_booking(self, booking: BookingRecord, event, limit: int) -> None:
        inventory = self.inventories.get(booking["performanceId"])
        q, grade = booking["quantity"], booking["grade"]
        if inventory is None or inventory["status"] != "OPEN" or inventory.get("available", {}).get(grade, 0) < q:
            raise SeatsRefused(copy.deepcopy(inventory))
        key = (booking["performanceId"], booking["customerId"])
        if self.held.get(key, 0) + q > limit:
            raise LimitRefused(self.held.get(key, 0))
        inventory["available"][grade] -= q
        self.held[key] = self.held.get(key, 0) + q
        self.bookings[booking["bookingId"]] = copy.deepcopy(booking)
        if event is not None:
            self.events.append(event)

    def get_ref(self, booking_id: str) -> BookingRef | None:
        booking = self.bookings.get(booking_id)
        return {"performanceId": booking["performanceId"], "customerId": booking["customerId"]} if booking else None

    def get_booking(self, performance_id: str, booking_id: str) -> BookingRecord | None:
        return copy.deepcopy(self.bookings.get(booking_id))

    def _give_back(self, stored: BookingRecord, seats: bool) -> None:
        self.held[(stored["performanceId"], stored["customerId"])] -= stored["quantity"]
        if seats:
            self.inventories[stored["performanceId"]]["available"][stored["grade"]] += stored["quantity"]

    def record_payment(self, booking: BookingRecord, payment_id: str) -> str:
        stored = self.bookings[booking["bookingId"]]
        if stored["status"] not in self._HOLDING:
            raise Moved(booking["bookingId"])
        stored.setdefault("paymentId", payment_id)
        return stored["paymentId"]

    def mark_pending(self, booking: BookingRecord, event) -> bool:
        stored = self.bookings[booking["bookingId"]]
        if stored["status"] != "HELD":
            return False
        stored["status"] = "PAYMENT_PENDING"
        self.events.append(event)
        return True

    def confirm_paid(self, booking: BookingRecord, payment_id: str, event) -> bool:
        stored = self.bookings[booking["bookingId"]]
        if stored["status"] not in self._HOLDING:
            return False
        stored.update(status="CONFIRMED", paymentId=payment_id)
        stored.pop("holdExpiresAt", None)
        self.events.append(event)
        return True

    def release_hold(self, booking: BookingRecord, to: str, fields: dict, event) -> bool:
        stored = self.bookings[booking["bookingId"]]
        if stored["status"] not in self._HOLDING:
            return False
        stored.update(status=to, **fields)
        stored.pop("holdExpiresAt", None)
        self._give_back(stored, seats=True)
        self.events.append(event)
        return True

    def holds_due(self, before: str, limit: int = 100) -> list[tuple[str, str]]:
        return [
            (b["performanceId"], b["bookingId"])
            for b in self.bookings.values()
            if b["status"] in self._HOLDING and b["holdExpiresAt"] < before
        ]

    def owe_refund(self, booking: BookingRecord) -> None:
        stored = self.bookings[booking["bookingId"]]
        stored.setdefault("refund", {"status": "PENDING"})
        booking["refund"] = stored["refund"]

    def set_refund(self, booking: BookingRecord, status: str, allowed: tuple[str, ...], event) -> bool:
        stored = self.bookings[booking["bookingId"]]
        if stored.get("refund", {}).get("status") not in allowed:
            return False
        stored["refund"] = {"status": status}
        self.events.append(event)
        return True

    def cancel_booking(self, cancellation: Cancellation, *, return_seats: bool) -> bool:
        stored = self.bookings[cancellation.booking["bookingId"]]
        if stored["status"] != "CONFIRMED":
            return False
        stored.update(status="CANCELLED", cancelReason=cancellation.reason.value, cancelledAt=cancellation.cancelled_at)
        if stored.get("paymentId") and stored["amount"] > 0:
            stored["refund"] = {"status": "PENDING"}
        self._give_back(stored, seats=return_seats)
        self.events.append(cancellation.event)
        return True

    def cancel_bookings_together(self, work: list[Cancellation]) -> bool:
        if any(self.bookings[c.booking["bookingId"]]["status"] != "CONFIRMED" for c in work):
            return False
        return all(self.cancel_booking(c, return_seats=False) for c in work)

    def confirmed_bookings(self, performance_id: str, page_size: int):
        confirmed = [b for b in self.bookings.values() if b["status"] == "CONFIRMED"]
        for start in range(0, len(confirmed), page_size):
            yield copy.deepcopy(confirmed[start : start + page_size])


class FakeProvider:
    """A payment provider in memory, behaving as Stripe's PaymentIntents do for the test payment methods:
    pm_card_visa pays, pm_card_chargeCustomerFail is declined, pm_card_authenticationRequired needs 3-D Secure.
    `down` makes every call fail as an unreachable provider; `lose_confirm_answers` makes a confirm go through but
    its answer time out. Like localstripe, it would refund twice: Boxoffice must not ask it to."""

    def __init__(self) -> None:
        self.intents: dict[str, dict] = {}
        self.refunds: list[tuple[str, int]] = []
        self.calls: list[str] = []
        self.down = False
        self.lose_confirm_answers = False
        self.refuse_refunds = False
        self._ids = itertools.count(1)

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise ProviderUnavailable("connection refused", maybe_done=False)

    def _charge(self, intent: dict) -> Charge:
        return Charge(intent["id"], intent["status"], intent["amount"], intent.get("reason"))

    def create(self, *, booking_id: str, amount: int, currency: str, payment_method: str) -> Charge:
        self._call("create")
        if not payment_method.startswith("pm_card_"):
            return Charge("", ChargeStatus.DECLINED, amount, "No such PaymentMethod")
        intent = {"id": f"pi_{next(self._ids)}", "amount": amount, "status": ChargeStatus.CREATED,
                  "method": payment_method, "bookingId": booking_id}  # fmt: skip
        self.intents[intent["id"]] = intent
        return self._charge(intent)

    def confirm(self, payment_id: str) -> Charge:
        self._call("confirm")
        intent = self.intents[payment_id]
        if intent["status"] is ChargeStatus.CREATED:
            intent["status"] = {
                "pm_card_chargeCustomerFail": ChargeStatus.DECLINED,
                "pm_card_authenticationRequired": ChargeStatus.ACTION_REQUIRED,
            }.get(intent["method"], ChargeStatus.SUCCEEDED)
            if intent["status"] is ChargeStatus.DECLINED:
                intent["reason"] = "Your card was declined."
        if self.lose_confirm_answers:
            raise ProviderUnavailable("read timed out", maybe_done=True)
        return self._charge(intent)

    def look_up(self, payment_id: str) -> Charge:
        self._call("look_up")
        return self._charge(self.intents[payment_id])

    def cancel(self, payment_id: str) -> Charge:
        self._call("cancel")
        intent = self.intents[payment_id]
        if intent["status"] is not ChargeStatus.SUCCEEDED:
            intent["status"] = ChargeStatus.CANCELLED
        return self._charge(intent)

    def refunded(self, payment_id: str) -> int:
        self._call("refunded")
        return sum(amount for pid, amount in self.refunds if pid == payment_id)

    def refund(self, *, booking_id: str, payment_id: str, amount: int) -> None:
        self._call("refund")
        if self.refuse_refunds:
            raise RefundRefused("the charge was disputed")
        self.refunds.append((payment_id, amount))

    def succeeded(self) -> list[dict]:
        return [i for i in self.intents.values() if i["status"] is ChargeStatus.SUCCEEDED]


def memory_breaker(fail_max: int = 3, reset_timeout: float = 60) -> pybreaker.CircuitBreaker:
    """The payment breaker as production builds it, but keeping its state in memory (its DynamoDB storage is tested
    in the integration tier)."""
    return pybreaker.CircuitBreaker(
        fail_max=fail_max, reset_timeout=reset_timeout, exclude=[_is_answer], throw_new_error_on_trip=False
    )
