"""Safe retries for write requests that carry an Idempotency-Key, with Powertools idempotency.

The key is scoped to the caller: the same key from two customers are two requests. The
request body is part of the check, so reusing a key for a different request is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from boxoffice import config

_config = IdempotencyConfig(
    event_key_jmespath="[operation, scope, key]",
    payload_validation_jmespath="body",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


@cache
def _once_on(client, table_name: str):
    """The idempotent call (cached per client and table, so a backend switch in tests gets a fresh one).

    Built at the first keyed request, on the tables' DynamoDB client: a persistence layer made at import built a
    client of its own in every cold start, keyed request or not."""
    persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=_config)
    def once(request: dict, work: Callable[[], dict]) -> dict:
        return work()

    return once


def run_once[R: Mapping[str, Any]](
    operation: str, scope: str, key: str | None, body: Mapping[str, Any], work: Callable[[], R], context=None
) -> R:
    """`work()` once per (operation, caller, key); a retry gets the first result back. No key: just run it."""
    if key is None:
        return work()
    if context is not None:
        _config.register_lambda_context(context)
    once = _once_on(config.client("dynamodb"), config.env(config.IDEMPOTENCY_TABLE))
    # A retry gets back what the first call stored: the same record, as JSON gave it back.
    return cast(R, once(request={"operation": operation, "scope": scope, "key": key, "body": body}, work=work))
