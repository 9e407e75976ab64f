"""Integration tier: the stack of template.yaml built in moto, its functions invoked in-process."""

from __future__ import annotations

import moto  # must patch botocore before any client exists
import pytest

from tests.moto_fixes import keep_streams_across_cancelled_transactions
from tests.stack import Stack


@pytest.fixture
def stack(monkeypatch):
    keep_streams_across_cancelled_transactions(monkeypatch)
    with moto.mock_aws():
        yield Stack().build()
