"""PerformanceRegistered / PerformanceCancelled -> the booking side's seat inventory."""

from boxoffice.bookings import service
from boxoffice.consumers import sqs_consumer
from boxoffice.contracts import PerformanceCancelled, PerformanceRegistered


def handle(event) -> None:
    match event:
        case PerformanceRegistered():
            service.open_for_sale(event.data.model_dump())
        case PerformanceCancelled():
            service.store.close_inventory(event.data.model_dump())


lambda_handler = sqs_consumer(handle)
