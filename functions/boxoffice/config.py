"""Names of the resources a function uses, read from the environment the template sets."""

from __future__ import annotations

import os
from functools import cache

import boto3

from boxoffice.dynamo import Table


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def table(env_name: str):
    """The DynamoDB table named by the environment variable `env_name` (cached per process)."""
    return _table(env(env_name))


@cache
def _table(name: str) -> Table:
    return Table(client("dynamodb"), name)


@cache
def client(service: str):
    return boto3.client(service)


def reset_clients() -> None:
    """Forget cached clients (tests switch between backends)."""
    _table.cache_clear()
    client.cache_clear()


PERFORMANCES_TABLE = "PERFORMANCES_TABLE"
BOOKINGS_TABLE = "BOOKINGS_TABLE"
STATUS_VIEW_TABLE = "STATUS_VIEW_TABLE"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
EVENT_BUS_NAME = "EVENT_BUS_NAME"
