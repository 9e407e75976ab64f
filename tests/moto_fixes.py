"""Work around a moto (5.2.x) bug that breaks table streams after any cancelled transaction.

moto's TransactWriteItems applies each item as it goes and, when one fails, puts back a deep
copy of the table taken beforehand. The table's stream shard is part of that copy, so:
  * the records of the writes that were rolled back stay in the old shard, and a reader that
    already holds a shard iterator (Stack.stream_records keeps one per table) publishes them
    as if they had happened (e.g. the TicketBooked of a SOLD_OUT booking reached the headcount,
    giving bookedCount = capacity + 1);
  * every later write goes to the copy's shard, which that iterator never sees again.
Real DynamoDB streams never show a cancelled transaction and keep one shard. Here the shard is
shared with the backup copy (which also spares moto deep-copying the whole stream on every
transaction) and, on rollback, cut back to what it held before the transaction.
"""

from __future__ import annotations

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard

_original = DynamoDBBackend.transact_write_items


def _transact_keeping_the_stream(self, transact_items):
    before = {name: len(t.stream_shard.items) for name, t in self.tables.items() if t.stream_shard}
    try:
        return _original(self, transact_items)
    except Exception:
        for name, length in before.items():
            table = self.tables.get(name)
            if table is not None and table.stream_shard is not None:
                del table.stream_shard.items[length:]  # forget the writes that were rolled back
                table.stream_shard.table = table
        raise


def keep_streams_across_cancelled_transactions(monkeypatch) -> None:
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", _transact_keeping_the_stream)
    monkeypatch.setattr(StreamShard, "__deepcopy__", lambda self, memo: self, raising=False)
