"""A Query page costs what it returns, not what its partition holds.

Why: ministack's Query (`ministack.services.dynamodb._query`) takes the whole partition on every page,
sorts it, evaluates the key condition on every item, and only then applies ExclusiveStartKey and Limit.
A page therefore costs O(partition), and reading a partition page by page is quadratic: a 500-item page
took 46.5 ms on a partition of 1,000 items and 248.9 ms on one of 10,000. That, not Boxoffice, capped
benchmark figure 5b (cancelling a performance's bookings, which pages through its partition).

What: for a base-table Query with a KeyConditionExpression and a Limit, on a partition of at least
`MIN_PARTITION` items, the page's items are found here first, and ministack's own, unchanged `_query`
then runs on a view of the table whose partition holds only them:
  - the partition's sort keys are kept sorted between requests, in ministack's order (its own
    `_sort_key_value`; partitions where two keys share a sort value are left alone);
  - a bisect skips past the ExclusiveStartKey (ministack's cursor test for a base table: strictly after
    it in the scan direction, the cursor being in this partition), then a walk in the scan direction
    evaluates the key condition with ministack's own evaluator until it has `Limit` matching items.
Those are exactly the first `Limit` items ministack's full pipeline keeps, in the same order, so everything
it does after them (validation, sorting, key condition, ExclusiveStartKey, Limit and the 1 MB page cap,
filter, projection, Count/ScannedCount, LastEvaluatedKey, consumed capacity) gives the same answer.
Anything else (an index, legacy KeyConditions, no Limit, a cursor from another partition, a small
partition, anything unexpected) goes to the original function untouched.

Thread safety: requests run on ministack's event loop thread, but other threads use the same tables (the
TTL reaper thread deletes expired items; Step Functions executions call the DynamoDB handlers from their
own threads), so shared state is never swapped, not even for the length of one request. The view lives in
a ContextVar that only the current request's context sees: `_tables` (one object for the life of the
process) gets, once at `apply()`, a subclass whose lookups return the view instead of the real table
while, and only where, that ContextVar is set. It is set only around the synchronous `_query` call, which
starts no thread or task that could copy the context. The sorted-key cache has a lock.

Cost: a page is O(Limit x key-condition evaluation) plus an O(partition) C-level comparison of the
partition's key set with the cached one (a fraction of a millisecond at 10,000 items). The first page of
a range that lies deep inside a large partition, and the last page of a range followed by many other
items, walk the items in between once (still one evaluation each, no sort).
"""

from __future__ import annotations

import bisect
import contextvars
import threading
from collections import OrderedDict

# Smaller partitions go to the original (it is cheap there). Tests set it to 1 to exercise the narrowing.
MIN_PARTITION = 256
# Partitions whose sort order is cached (least recently used dropped first).
CACHE_PARTITIONS = 64

# How often each path was taken (tests check the narrowing really ran).
stats = {"narrowed": 0, "original": 0}

_VIEW: contextvars.ContextVar[tuple[dict, dict] | None] = contextvars.ContextVar("boxoffice_query_view", default=None)
_orders: OrderedDict[int, _Order] = OrderedDict()
_orders_lock = threading.Lock()
_ddb = None  # ministack.services.dynamodb, once applied
_original_query = None


class _Order:
    """One partition's keys in ministack's sort order, kept in step with the partition's key set."""

    __slots__ = ("bucket", "keys", "sk_name", "sk_type", "sort_value", "ties", "values")

    def __init__(self, bucket: dict, sk_name: str, sk_type: str):
        self.bucket, self.sk_name, self.sk_type = bucket, sk_name, sk_type
        self.rebuild()

    def _value(self, key):
        return _ddb._sort_key_value(self.bucket[key].get(self.sk_name), self.sk_type)

    def rebuild(self) -> None:
        pairs = sorted(((self._value(k), k) for k in list(self.bucket)), key=lambda p: p[0])
        self.sort_value = {k: v for v, k in pairs}
        self.values = [v for v, _ in pairs]
        self.keys = [k for _, k in pairs]
        self.ties = any(a == b for a, b in zip(self.values, self.values[1:], strict=False))

    def refresh(self) -> None:
        """Follow keys added or removed since the last request (item updates keep their key and place)."""
        if self.bucket.keys() == self.sort_value.keys():
            return
        added = self.bucket.keys() - self.sort_value.keys()
        removed = self.sort_value.keys() - self.bucket.keys()
        if self.ties or len(added) + len(removed) > 16 + len(self.keys) // 8:
            self.rebuild()
            return
        for k in removed:
            v = self.sort_value.pop(k)
            i = bisect.bisect_left(self.values, v)
            if self.keys[i] != k:
                raise LookupError(k)
            del self.values[i], self.keys[i]
        for k in added:
            v = self._value(k)
            i = bisect.bisect_left(self.values, v)
            if i < len(self.values) and self.values[i] == v:
                self.ties = True
            self.values.insert(i, v)
            self.keys.insert(i, k)
            self.sort_value[k] = v


def _order(bucket: dict, sk_name: str, sk_type: str) -> _Order:
    """The partition's cached order, brought up to date (call with `_orders_lock` held)."""
    order = _orders.get(id(bucket))
    if order is None or order.bucket is not bucket or (order.sk_name, order.sk_type) != (sk_name, sk_type):
        order = _Order(bucket, sk_name, sk_type)
        _orders[id(bucket)] = order
        while len(_orders) > CACHE_PARTITIONS:
            _orders.popitem(last=False)
    else:
        _orders.move_to_end(id(bucket))
        try:
            order.refresh()
        except Exception:
            del _orders[id(bucket)]  # half-followed: never trust it again
            raise
    return order


def _page_view(data) -> tuple[dict, dict] | None:
    """(real table, view of it holding only this page's candidates), or None to leave the request alone."""
    if not isinstance(data, dict) or data.get("IndexName") or data.get("KeyConditions"):
        return None
    key_cond, limit = data.get("KeyConditionExpression"), data.get("Limit")
    if not isinstance(key_cond, str) or not key_cond.strip():
        return None
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        return None
    eav, ean = data.get("ExpressionAttributeValues", {}), data.get("ExpressionAttributeNames", {})
    if not isinstance(eav, dict) or not isinstance(ean, dict):
        return None
    table = _ddb._tables.get(_ddb._normalize_table_name(data.get("TableName")))
    if not isinstance(table, dict) or not table.get("sk_name") or not table.get("pk_name"):
        return None
    pk_name, sk_name = table["pk_name"], table["sk_name"]
    pk_val = _ddb._extract_pk_from_condition(key_cond, eav, ean, pk_name)
    if pk_val is None:
        return None
    bucket = table["items"].get(pk_val)
    if not isinstance(bucket, dict) or len(bucket) < max(1, MIN_PARTITION):
        return None
    sk_type = _ddb._get_attr_type(table, sk_name)
    forward = bool(data.get("ScanIndexForward", True))
    esk = data.get("ExclusiveStartKey")
    if esk is not None:
        if not isinstance(esk, dict) or pk_name not in esk or sk_name not in esk:
            return None
        if _ddb._extract_key_val(esk[pk_name]) != pk_val:
            return None  # a cursor from another partition: ministack's tuple order decides, leave it to it
    with _orders_lock:  # another thread's Query must not move the order under this walk
        picked = _pick(_order(bucket, sk_name, sk_type), key_cond, eav, ean, limit, forward, esk)
    if picked is None:
        return None
    view = dict(table)
    view["items"] = {pk_val: picked}
    return table, view


def _pick(order: _Order, key_cond: str, eav: dict, ean: dict, limit: int, forward: bool, esk) -> dict | None:
    """The first `limit` items past the cursor, in the scan direction, that the key condition keeps."""
    if order.ties:
        return None
    bucket, sk_name, sk_type = order.bucket, order.sk_name, order.sk_type
    values, keys, n = order.values, order.keys, len(order.keys)
    if esk is None:
        start = 0 if forward else n - 1
    else:
        cursor = _ddb._sort_key_value(esk.get(sk_name), sk_type)
        start = bisect.bisect_right(values, cursor) if forward else bisect.bisect_left(values, cursor) - 1
    step, stop = (1, n) if forward else (-1, -1)

    def matches(key) -> bool:
        return bool(_ddb._evaluate_condition(key_cond, bucket[key], eav, ean, slot="KeyConditionExpression"))

    # The original evaluates the key condition on the whole partition, this partition's first item first:
    # an error it would raise there (key attributes have one type per table, so it is not item-specific)
    # sends the request to it.
    if n and start != (0 if forward else n - 1):
        matches(keys[0 if forward else n - 1])
    picked = {}
    i = start
    while i != stop and len(picked) < limit:
        if matches(keys[i]):
            picked[keys[i]] = bucket[keys[i]]
        i += step
    return picked


def _query(data):
    try:
        found = _page_view(data)
    except Exception:  # anything unexpected: the original decides, errors included
        found = None
    if found is None:
        stats["original"] += 1
        return _original_query(data)
    stats["narrowed"] += 1
    token = _VIEW.set(found)
    try:
        return _original_query(data)
    finally:
        _VIEW.reset(token)


def _view_aware(tables_class: type) -> type:
    class ViewAwareTables(tables_class):
        """ministack's table store; inside a narrowed Query (this context only) the table is its page view."""

        __slots__ = ()

        def get(self, key, default=None):
            found = super().get(key, default)
            view = _VIEW.get()
            return view[1] if view is not None and found is view[0] else found

        def __getitem__(self, key):
            found = super().__getitem__(key)
            view = _VIEW.get()
            return view[1] if view is not None and found is view[0] else found

    return ViewAwareTables


def apply() -> None:
    global _ddb, _original_query
    from ministack.services import dynamodb

    if getattr(dynamodb._query, "__module__", None) == __name__:
        return
    _ddb, _original_query = dynamodb, dynamodb._query
    dynamodb._tables.__class__ = _view_aware(type(dynamodb._tables))
    dynamodb._query = _query
