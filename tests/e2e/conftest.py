"""End-to-end: the stack `make run` starts (emulator + sam deploy of template.yaml), once per test run, on a free port."""

from __future__ import annotations

import os

import pytest
import requests

from boxoffice_dev.emulator import free_port
from boxoffice_dev.local_stack import LocalStack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def local_stack():
    # The in-process moto tests must never see the emulator's endpoint.
    assert "AWS_ENDPOINT_URL" not in os.environ
    with LocalStack(port=free_port(), quiet=True) as stack:
        yield stack


class Api:
    """HTTP to the local stack's API, as a client would speak it."""

    def __init__(self, stack: LocalStack):
        self.stack = stack
        self.session = requests.Session()
        self._tokens: dict[tuple, str] = {}

    def token(self, name: str, organizer: bool = False) -> str:
        key = (name, organizer)
        if key not in self._tokens:
            self._tokens[key] = self.stack.token(name, ["organizers"] if organizer else [])
        return self._tokens[key]

    def call(self, method: str, path: str, token: str | None = None, json=None, headers=None, **kwargs):
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.stack.url + path, json=json, headers=hdrs, timeout=30, **kwargs)

    def wait_for(self, condition, what: str, timeout: float = 90.0):
        return self.stack.wait_for(condition, timeout=timeout, what=what)


@pytest.fixture(scope="session")
def api(local_stack) -> Api:
    return Api(local_stack)
