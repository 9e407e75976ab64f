"""The transactional outbox: an event is written as an item in the same transaction as the state change.

The table's stream carries the item to the stream publisher, which puts it on the bus.
"""

from __future__ import annotations

import json

from boxoffice.clock import epoch_seconds_from_now
from boxoffice.contracts import SOURCE_OF, detail_of

EVENT_KIND = "EVENT"
EVENT_TTL_SECONDS = 24 * 3600  # long enough for the stream (24 h retention) to carry it


def put_event(table_name: str, event) -> dict:
    """A TransactWriteItems `Put` that records `event` in the outbox."""
    meta = event.metadata
    return {
        "Put": {
            "TableName": table_name,
            "Item": {
                "pk": f"EVENT#{meta.eventId}",
                "sk": "EVENT",
                "kind": EVENT_KIND,
                "eventId": meta.eventId,
                "eventType": meta.eventType.value,
                "source": SOURCE_OF[meta.eventType].value,
                "detail": json.dumps(detail_of(event), ensure_ascii=False, separators=(",", ":")),
                "ttl": epoch_seconds_from_now(EVENT_TTL_SECONDS),
            },
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
