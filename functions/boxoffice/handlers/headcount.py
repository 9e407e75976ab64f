"""Booking events -> each performance's bookedCount and seats taken per grade, each booking's move counted once.

A batch's moves are summed per performance into one write.
"""

from boxoffice.consumers import sqs_batch_consumer
from boxoffice.contracts import AnyEvent
from boxoffice.moves import move_of
from boxoffice.observability import logger
from boxoffice.performances import service


def count(events: dict[str, AnyEvent]) -> dict[str, Exception]:
    moves = {message_id: move for message_id, event in events.items() if (move := move_of(event))}
    ignored, failed = service.apply_moves(list(moves.values()))
    if ignored:
        logger.info("moves already applied or overtaken", extra={"bookingIds": sorted(ignored)})
    return {message_id: failed[m.bookingId] for message_id, m in moves.items() if m.bookingId in failed}


lambda_handler = sqs_batch_consumer(count)
