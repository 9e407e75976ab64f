"""Every event -> the status view that customers and organizers read.

A batch's new bookings go in one write per performance; every other event on its own, before them (either order of
a booking and its cancellation ends in the same view and counts).
"""

from boxoffice.consumers import one_by_one, sqs_batch_consumer
from boxoffice.contracts import AnyEvent, TicketBooked
from boxoffice.statusview import service

_each_on_its_own = one_by_one(service.project)


def project(events: dict[str, AnyEvent]) -> dict[str, Exception]:
    booked = {m: e for m, e in events.items() if isinstance(e, TicketBooked)}
    others = {m: e for m, e in events.items() if m not in booked}
    return _each_on_its_own(others) | service.project_new_bookings(booked)


lambda_handler = sqs_batch_consumer(project)
