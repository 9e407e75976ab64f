"""The payment circuit breaker, shared by every running instance: pybreaker's state machine over one DynamoDB item.

pybreaker decides (closed -> open after N consecutive failures, open -> half-open after the reset time, one trial
call, closed on success); this storage keeps its state where every instance sees it, in the booking context's
table (item BREAKER#payments / BREAKER):

  st  closed | open | half-open     fc  consecutive failures     oa  opened at (epoch ms)
  sc  successes while half-open     probe, lease  the instance making the trial call, and until when

Each call reads the item once; a success with no failures before it writes nothing. State changes are
conditional on the state this instance read, so of instances racing to open, half-open or close exactly one write
wins; an instance that loses the race to make the trial call is refused like an open breaker. Declines are
answers, not failures: only ProviderUnavailable counts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pybreaker
from botocore.exceptions import ClientError

from boxoffice import config
from boxoffice.dynamo import Table, is_condition_failed
from boxoffice.observability import logger, metrics
from boxoffice.payments.port import ProviderUnavailable

KEY = {"pk": "BREAKER#payments", "sk": "BREAKER"}
BREAKER_FAILURES = "BREAKER_FAILURES"
BREAKER_RESET_SECONDS = "BREAKER_RESET_SECONDS"
TRIAL_LEASE_MS = 10_000  # how long one instance's trial call may take before another may try
CLOSED, OPEN, HALF_OPEN = pybreaker.STATE_CLOSED, pybreaker.STATE_OPEN, pybreaker.STATE_HALF_OPEN


class BreakerOpen(Exception):
    """The breaker answered for the provider: open, or another instance is making the trial call."""


def _now_ms() -> int:
    return int(time.time() * 1000)


class DynamoDBStorage(pybreaker.CircuitBreakerStorage):
    def __init__(self, table: Table):
        super().__init__("dynamodb")
        self._table = table
        self._me = uuid.uuid4().hex
        self._seen: dict[str, Any] = {}

    # ------------------------------------------------------------------ the one read per call
    def _read(self) -> dict[str, Any]:
        item = self._table.get_item(Key=KEY, ConsistentRead=True).get("Item") or {}
        self._seen = {
            "st": item.get("st", CLOSED),
            "fc": int(item.get("fc", 0)),
            "sc": int(item.get("sc", 0)),
            "oa": int(item.get("oa", 0)),
            "probe": item.get("probe"),
            "lease": int(item.get("lease", 0)),
        }
        return self._seen

    def _snapshot(self) -> dict[str, Any]:
        return self._seen or self._read()

    def _update(self, expression: str, values: dict[str, Any], condition: str | None = None) -> None:
        params: dict[str, Any] = {"Key": KEY, "UpdateExpression": expression, "ExpressionAttributeValues": values}
        if condition:
            params["ConditionExpression"] = condition
        if "#st" in expression + (condition or ""):
            params["ExpressionAttributeNames"] = {"#st": "st"}
        self._table.update_item(**params)
        self._read()

    @property
    def state(self) -> str:
        seen = self._read()
        # Half-open belongs to the instance making the trial call; the others see it open until its lease ends.
        if seen["st"] == HALF_OPEN and seen["probe"] != self._me and seen["lease"] > _now_ms():
            return OPEN
        return str(seen["st"])

    @state.setter
    def state(self, new: str) -> None:
        seen = self._snapshot()
        values: dict[str, Any] = {":new": new, ":zero": 0, ":seen": seen["st"]}
        expression, condition = "SET #st = :new, sc = :zero", "attribute_not_exists(#st) OR #st = :seen"
        if new == OPEN:
            values[":oa"] = seen.get("pending_oa") or _now_ms()
            expression += ", oa = :oa"
        elif new == HALF_OPEN:  # one trial caller across all instances
            values |= {":oa": seen["oa"], ":me": self._me, ":lease": _now_ms() + TRIAL_LEASE_MS, ":now": _now_ms()}
            expression += ", probe = :me, lease = :lease"
            condition = "(#st = :seen AND oa = :oa) OR (#st = :new AND lease < :now)"
        elif new == CLOSED:
            expression += ", fc = :zero"
        try:
            self._update(expression, values, condition)
        except ClientError as exc:
            if not is_condition_failed(exc):
                raise
            self._read()
            if new == HALF_OPEN:
                raise BreakerOpen("another instance is making the trial call") from None
            # Lost a race to open or close: the winner's state stands, and the next call reads it.

    def increment_counter(self) -> None:
        self._update("ADD fc :one", {":one": 1})

    def reset_counter(self) -> None:
        if self._snapshot()["fc"]:  # a success after no failures writes nothing
            self._update("SET fc = :zero", {":zero": 0})

    def increment_success_counter(self) -> None:
        self._update("ADD sc :one", {":one": 1})

    def reset_success_counter(self) -> None:
        if self._snapshot()["sc"]:
            self._update("SET sc = :zero", {":zero": 0})

    @property
    def counter(self) -> int:
        return int(self._snapshot()["fc"])

    @property
    def success_counter(self) -> int:
        return int(self._snapshot()["sc"])

    @property
    def opened_at(self) -> datetime | None:
        oa = self._snapshot()["oa"]
        return datetime.fromtimestamp(oa / 1000, UTC) if oa else None

    @opened_at.setter
    def opened_at(self, moment: datetime) -> None:
        # pybreaker sets it just before the state; it is written with the state, in the same conditional write.
        self._snapshot()["pending_oa"] = int(moment.timestamp() * 1000)


class _Announce(pybreaker.CircuitBreakerListener):
    def state_change(self, cb, old_state, new_state) -> None:
        old = old_state.name if old_state else None
        logger.warning("payment circuit breaker changed state", extra={"from": old, "to": new_state.name})
        metrics.add_metric(name="PaymentBreakerStateChanged", unit="Count", value=1)


def _is_answer(exc: BaseException) -> bool:
    """Anything but the provider being unavailable is not the provider's failure: it must not trip the breaker."""
    return not isinstance(exc, ProviderUnavailable)


@cache
def breaker() -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=int(config.env(BREAKER_FAILURES)),
        reset_timeout=float(config.env(BREAKER_RESET_SECONDS)),
        exclude=[_is_answer],
        listeners=[_Announce()],
        state_storage=DynamoDBStorage(config.table(config.BOOKINGS_TABLE)),
        name="payments",
        # The tripping call reports the provider's own failure, not a generic "breaker opened".
        throw_new_error_on_trip=False,
    )


def guarded[T](call: Callable[[], T]) -> T:
    """`call()` through the shared breaker. Raises BreakerOpen without calling while it is open (the fallback is the
    caller's: a pending booking, a refund that waits), ProviderUnavailable when the provider failed."""
    try:
        return breaker().call(call)
    except pybreaker.CircuitBreakerError as exc:
        metrics.add_metric(name="PaymentBreakerRefused", unit="Count", value=1)
        raise BreakerOpen(str(exc)) from None


def state() -> str:
    """The breaker's state as every instance sees it (for the sweeper's gauge and operators)."""
    return breaker().current_state
