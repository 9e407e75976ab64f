"""A match's registration and its bookings' events -> the per-team tally, each booking counted once.

A batch's moves are summed per match into one write.
"""

from boxoffice.consumers import sqs_batch_consumer
from boxoffice.contracts import AnyEvent, PerformanceRegistered
from boxoffice.moves import move_of
from boxoffice.observability import logger
from boxoffice.tally import service


def count(events: dict[str, AnyEvent]) -> dict[str, Exception]:
    failures: dict[str, Exception] = {}
    for message_id, event in events.items():
        if isinstance(event, PerformanceRegistered):
            try:
                service.project_registration(event)
            except Exception as exc:
                failures[message_id] = exc
    moves = {message_id: move for message_id, event in events.items() if (move := move_of(event))}
    ignored, failed = service.apply_moves(list(moves.values()))
    if ignored:
        logger.info("moves already applied or overtaken", extra={"bookingIds": sorted(ignored)})
    return failures | {m: failed[move.bookingId] for m, move in moves.items() if move.bookingId in failed}


lambda_handler = sqs_batch_consumer(count)
