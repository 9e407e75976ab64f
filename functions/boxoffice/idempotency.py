"""Safe retries for write requests that carry an Idempotency-Key, with Powertools idempotency.

The key is scoped to the caller: the same key from two customers are two requests. The
request body is part of the check, so reusing a key for a different request is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from boxoffice.config import IDEMPOTENCY_TABLE

_persistence = DynamoDBPersistenceLayer(table_name=os.environ.get(IDEMPOTENCY_TABLE, "unset"))
_config = IdempotencyConfig(
    event_key_jmespath="[operation, scope, key]",
    payload_validation_jmespath="body",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
)


@idempotent_function(data_keyword_argument="request", persistence_store=_persistence, config=_config)
def _once(request: dict, work: Callable[[], dict]) -> dict:
    return work()


def run_once(operation: str, scope: str, key: str | None, body: dict, work: Callable[[], dict], context=None) -> dict:
    """`work()` once per (operation, caller, key); a retry gets the first result back. No key: just run it."""
    if key is None:
        return work()
    if context is not None:
        _config.register_lambda_context(context)
    return _once(request={"operation": operation, "scope": scope, "key": key, "body": body}, work=work)
