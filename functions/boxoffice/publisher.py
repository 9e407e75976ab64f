"""Carry outbox items from a table's stream to the event bus, reporting exactly the records that did not go out."""

from __future__ import annotations

from functools import cache

from boxoffice import config
from boxoffice.observability import logger

PUT_EVENTS_MAX = 10  # entries per PutEvents call


def outbox_entry(record: dict, bus_name: str) -> dict | None:
    """The PutEvents entry for a stream record, or None if the record is not a new outbox item."""
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage", {})
    if image.get("kind", {}).get("S") != "EVENT":
        return None
    return {
        "Source": image["source"]["S"],
        "DetailType": image["eventType"]["S"],
        "Detail": image["detail"]["S"],
        "EventBusName": bus_name,
    }


@cache
def _bus_exists(bus_name: str) -> str:
    """Fail loudly if the bus is not there: PutEvents to an unknown bus name answers FailedEntryCount 0
    and drops the events, so a misconfigured publisher would lose them silently. Checked once per process."""
    config.client("events").describe_event_bus(Name=bus_name)
    return bus_name


def publish(records: list[dict]) -> set[str]:
    """Put every outbox event of `records` on the bus; return the sequence numbers of those that failed."""
    bus_name = _bus_exists(config.env(config.EVENT_BUS_NAME))
    pending = [
        (record["dynamodb"]["SequenceNumber"], entry)
        for record in records
        if (entry := outbox_entry(record, bus_name)) is not None
    ]
    failed: set[str] = set()
    events = config.client("events")
    for start in range(0, len(pending), PUT_EVENTS_MAX):
        chunk = pending[start : start + PUT_EVENTS_MAX]
        try:
            response = events.put_events(Entries=[entry for _, entry in chunk])
        except Exception:
            logger.exception("PutEvents failed as a whole", extra={"entries": len(chunk)})
            failed.update(seq for seq, _ in chunk)
            continue
        if response.get("FailedEntryCount", 0):
            # Entries come back in request order; a failed one has an ErrorCode.
            for (seq, entry), result in zip(chunk, response["Entries"], strict=False):
                if result.get("ErrorCode"):
                    logger.warning(
                        "event not accepted by the bus",
                        extra={
                            "sequenceNumber": seq,
                            "detailType": entry["DetailType"],
                            "error": result.get("ErrorCode"),
                        },
                    )
                    failed.add(seq)
    return failed
