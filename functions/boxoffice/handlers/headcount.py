"""TicketBooked / TicketCancelled -> the performance's bookedCount, each event counted exactly once.

A batch's deltas are summed per performance into one write.
"""

from boxoffice.consumers import sqs_batch_consumer
from boxoffice.contracts import TicketBooked, TicketCancelled
from boxoffice.observability import logger
from boxoffice.performances import service


def delta(event) -> int:
    match event:
        case TicketBooked():
            return event.data.quantity
        case TicketCancelled():
            return -event.data.quantity
    return 0


def count(events: dict[str, object]) -> dict[str, Exception]:
    changes, by_message = [], {}
    for message_id, event in events.items():
        if d := delta(event):
            changes.append((event.metadata.eventId, event.data.performanceId, d))
            by_message[message_id] = event.metadata.eventId
    duplicates, failed = service.apply_headcount(changes)
    if duplicates:
        logger.info("duplicate events ignored", extra={"eventIds": sorted(duplicates)})
    return {message_id: failed[event_id] for message_id, event_id in by_message.items() if event_id in failed}


lambda_handler = sqs_batch_consumer(count)
