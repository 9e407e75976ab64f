"""TicketBooked / TicketCancelled -> the performance's bookedCount, each event counted exactly once.

A batch's deltas are summed per performance into one write.
"""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from boxoffice.consumers import domain_event, lambda_entry
from boxoffice.contracts import TicketBooked, TicketCancelled
from boxoffice.observability import logger
from boxoffice.performances import service

processor = BatchProcessor(event_type=EventType.SQS)


def delta(event) -> int:
    match event:
        case TicketBooked():
            return event.data.quantity
        case TicketCancelled():
            return -event.data.quantity
    return 0


def handler(event, context):
    changes, failures, by_message = [], {}, {}
    for record in event.get("Records", []):
        message_id = record["messageId"]
        try:
            parsed = domain_event(SQSRecord(record))
        except Exception as exc:
            failures[message_id] = exc
            continue
        if d := delta(parsed):
            changes.append((parsed.metadata.eventId, parsed.data.performanceId, d))
            by_message[message_id] = parsed.metadata.eventId
    duplicates, failed = service.apply_headcount(changes)
    if duplicates:
        logger.info("duplicate events ignored", extra={"eventIds": sorted(duplicates)})

    def record_handler(record) -> None:
        if record.message_id in failures:
            raise failures[record.message_id]
        event_id = by_message.get(record.message_id)
        if event_id in failed:
            raise failed[event_id]

    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)


lambda_handler = lambda_entry(handler)
