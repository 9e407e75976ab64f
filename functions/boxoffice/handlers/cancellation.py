"""PerformanceCancelled -> cancel every confirmed booking of the performance."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from boxoffice.bookings import service
from boxoffice.consumers import domain_event, lambda_entry
from boxoffice.contracts import PerformanceCancelled

# Leave this much of the Lambda's time to report back; the rest of the work follows on redelivery.
SAFETY_MS = 20_000
processor = BatchProcessor(event_type=EventType.SQS)


def handler(event, context):
    def keep_going() -> bool:
        return context is None or context.get_remaining_time_in_millis() > SAFETY_MS

    def record_handler(record) -> None:
        cancelled = domain_event(record)
        if not isinstance(cancelled, PerformanceCancelled):
            return
        service.cancel_performance_bookings(
            cancelled.data,
            correlation_id=cancelled.metadata.correlationId,
            causation_id=cancelled.metadata.eventId,
            keep_going=keep_going,
        )

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


lambda_handler = lambda_entry(handler)
