"""In-memory stand-ins for the stores, with the same rules the tables' conditions enforce, for pure domain tests."""

from __future__ import annotations

import copy

from boxoffice.bookings.records import BookingRecord, BookingRef, InventoryRecord, PerformanceDetails
from boxoffice.bookings.store import Cancellation, LimitRefused, SeatsRefused


class FakeBookingsStore:
    """boxoffice.bookings.store as dicts: the seat check per grade, the per-customer limit, and the one-way
    CONFIRMED -> CANCELLED move, each as the table's conditions have them."""

    SeatsRefused = SeatsRefused
    LimitRefused = LimitRefused

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
        self.events.append(event)

    def get_ref(self, booking_id: str) -> BookingRef | None:
        booking = self.bookings.get(booking_id)
        return {"performanceId": booking["performanceId"], "customerId": booking["customerId"]} if booking else None

    def get_booking(self, performance_id: str, booking_id: str) -> BookingRecord | None:
        return copy.deepcopy(self.bookings.get(booking_id))

    def cancel_booking(self, cancellation: Cancellation, *, return_seats: bool) -> bool:
        stored = self.bookings[cancellation.booking["bookingId"]]
        if stored["status"] != "CONFIRMED":
            return False
        stored.update(status="CANCELLED", cancelReason=cancellation.reason.value, cancelledAt=cancellation.cancelled_at)
        self.held[(stored["performanceId"], stored["customerId"])] -= stored["quantity"]
        if return_seats:
            self.inventories[stored["performanceId"]]["available"][stored["grade"]] += stored["quantity"]
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
