"""Requests from organizers' own systems, put on the bus: checked as untrusted input, then applied like the API's.

A request that is malformed, names an unknown performance or one the organizer does not own is parked with why in
its queue's dead-letter queue, never applied.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from boxoffice import queues
from boxoffice.contracts import BusEvent, CancelPerformanceRequestedData, EventType, Source
from boxoffice.errors import Forbidden, NotFound
from boxoffice.observability import logger, metrics
from boxoffice.performances import service

PARKING_QUEUE_URL = "PARKING_QUEUE_URL"


class Rejected(Exception):
    pass


def check(body: str) -> tuple[CancelPerformanceRequestedData, str]:
    """The request in an SQS message body and its event id, or Rejected with why."""
    try:
        envelope = BusEvent.model_validate(json.loads(body))
    except (ValidationError, ValueError) as exc:
        raise Rejected(f"not an EventBridge event: {exc}") from None
    if envelope.source != Source.ORGANIZERS or envelope.detail_type != EventType.CANCEL_PERFORMANCE_REQUESTED:
        raise Rejected(f"unexpected event {envelope.source}/{envelope.detail_type}")
    try:
        return CancelPerformanceRequestedData.model_validate(envelope.detail), envelope.id
    except ValidationError as exc:
        raise Rejected(f"invalid request: {exc.errors(include_url=False, include_input=False)}") from None


def handle(body: str, message_id: str) -> None:
    """Apply one request, or park it with why; raises only for trouble worth a retry."""
    try:
        request, event_id = check(body)
        logger.set_correlation_id(event_id)
        service.cancel(request.performanceId, request.organizerId, correlation_id=event_id, causation_id=event_id)
        logger.info("performance cancelled on the organizer's request", extra=request.model_dump(mode="json"))
    except (Rejected, NotFound, Forbidden) as exc:
        logger.warning("organizer request rejected and parked", extra={"reason": str(exc), "messageId": message_id})
        metrics.add_metric(name="OrganizerRequestsRejected", unit="Count", value=1)
        queues.park(PARKING_QUEUE_URL, body, str(exc))
