"""TicketCancelled of a paid booking -> its refund; BookingExpired with a payment intent -> cancel it, or refund it
if it was paid after all. Each at most once (see boxoffice.bookings.refunds)."""

# boxoffice.consumers first: see handlers/inventory_projector.py.
from boxoffice.consumers import sqs_consumer  # noqa: I001
from boxoffice.bookings import refunds
from boxoffice.contracts import AnyEvent, BookingExpired, TicketCancelled


def handle(event: AnyEvent) -> None:
    match event:
        case TicketCancelled():
            refunds.refund_cancelled(event)
        case BookingExpired():
            refunds.settle_expired(event)


lambda_handler = sqs_consumer(handle)
