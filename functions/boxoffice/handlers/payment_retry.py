"""PaymentPending -> retry the charge with the same payment intent until the booking is settled or its hold runs out.

A message that fails (the provider still away, the breaker open, the provider still deciding) comes back after the
queue's visibility timeout: that is the backoff. The sweep expires a hold that no retry could settle in time.
"""

# boxoffice.consumers first: see handlers/inventory_projector.py.
from boxoffice.consumers import sqs_consumer  # noqa: I001
from boxoffice.bookings import service
from boxoffice.contracts import AnyEvent, PaymentPending


def handle(event: AnyEvent) -> None:
    if isinstance(event, PaymentPending):
        service.retry_payment(event)


lambda_handler = sqs_consumer(handle)
