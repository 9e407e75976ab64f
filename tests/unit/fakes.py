"""In-memory stand-ins for the stores, with the same rules the tables' conditions enforce, for pure domain tests."""

from __future__ import annotations

import copy

from boxoffice.bookings.records import BookingRecord, BookingRef, InventoryRecord, PerformanceDetails
from boxoffice.bookings.store import Cancellation, SeatsRefused


class FakeBookingsStore:
    """boxoffice.bookings.store as a dict: the seat check and the one-way CONFIRMED -> CANCELLED move included."""

    SeatsRefused = SeatsRefused

    def __init__(self) -> None:
        self.inventories: dict[str, InventoryRecord] = {}
        self.bookings: dict[str, BookingRecord] = {}
        self.events: list = []
        self.reads = 0

    # ------------------------------------------------------------------ inventory
    def open_inventory(self, details: PerformanceDetails) -> None:
        current = self.inventories.get(details["performanceId"])
        facts = {k: details[k] for k in ("performanceId", "title", "startsAt", "organizerId")}
        if current is None:
            current = self.inventories[details["performanceId"]] = {**facts, "status": "OPEN"}
        current.update(facts)
        current.setdefault("capacity", details["capacity"])
        current.setdefault("available", details["capacity"])

    def close_inventory(self, details: PerformanceDetails) -> None:
        current = self.inventories.setdefault(
            details["performanceId"],
            {k: details[k] for k in ("performanceId", "title", "startsAt", "organizerId")},
        )
        current["status"] = "CANCELLED"

    def get_inventory(self, performance_id: str) -> InventoryRecord | None:
        self.reads += 1
        return copy.deepcopy(self.inventories.get(performance_id))

    # ------------------------------------------------------------------ bookings
    def insert_booking(self, booking: BookingRecord, event) -> None:
        inventory = self.inventories.get(booking["performanceId"])
        if inventory is None or inventory["status"] != "OPEN" or inventory.get("available", 0) < booking["quantity"]:
            raise SeatsRefused(copy.deepcopy(inventory))
        inventory["available"] = inventory.get("available", 0) - booking["quantity"]
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
        if return_seats:
            inventory = self.inventories[stored["performanceId"]]
            inventory["available"] = inventory.get("available", 0) + stored["quantity"]
        self.events.append(cancellation.event)
        return True
