"""TicketBooked / TicketCancelled -> the performance's bookedCount, each event counted exactly once.

A batch's deltas are summed per performance into one write.
"""

from boxoffice.consumers import sqs_batch_consumer
from boxoffice.contracts import AnyEvent
from boxoffice.observability import logger
from boxoffice.performances import service


def count(events: dict[str, AnyEvent]) -> dict[str, Exception]:
    changes, by_message = [], {}
    for message_id, event in events.items():
        if change := service.headcount_change(event):
            changes.append(change)
            by_message[message_id] = change["eventId"]
    duplicates, failed = service.apply_headcount(changes)
    if duplicates:
        logger.info("duplicate events ignored", extra={"eventIds": sorted(duplicates)})
    return {message_id: failed[event_id] for message_id, event_id in by_message.items() if event_id in failed}


lambda_handler = sqs_batch_consumer(count)
