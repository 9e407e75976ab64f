"""PerformanceRegistered / PerformanceCancelled -> the booking side's seat inventory."""

# boxoffice.consumers first: it loads Powertools' batch utility while pydantic is not yet imported, and so spares
# the cold start the parser models that utility otherwise loads for its type hints (about 20 ms).
from boxoffice.consumers import sqs_consumer  # noqa: I001
from boxoffice.bookings import service
from boxoffice.contracts import PerformanceCancelled, PerformanceRegistered


def handle(event) -> None:
    match event:
        case PerformanceRegistered():
            service.open_for_sale(event.data.model_dump())
        case PerformanceCancelled():
            service.store.close_inventory(event.data.model_dump())


lambda_handler = sqs_consumer(handle)
