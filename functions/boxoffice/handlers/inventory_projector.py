"""PerformanceRegistered / PerformanceCancelled -> the booking side's seat inventory."""

# boxoffice.consumers first: it loads Powertools' batch utility while pydantic is not yet imported, and so spares
# the cold start the parser models that utility otherwise loads for its type hints (about 20 ms).
from boxoffice.consumers import sqs_consumer  # noqa: I001
from boxoffice.bookings import service
from boxoffice.contracts import AnyEvent, PerformanceCancelled, PerformanceRegistered


def handle(event: AnyEvent) -> None:
    match event:
        case PerformanceRegistered():
            service.open_for_sale(service.performance_details(event.data))
        case PerformanceCancelled():
            service.close_for_sale(service.performance_details(event.data))


lambda_handler = sqs_consumer(handle)
