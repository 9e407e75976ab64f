"""Test set-up: the functions' code on the path, a fake AWS, and the stack of template.yaml in moto."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "functions"))
sys.path.insert(0, str(ROOT))

# Before boto3 or the functions are imported: a fake account, and moto-routable stream endpoints.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="Boxoffice",
    POWERTOOLS_SERVICE_NAME="boxoffice",
    POWERTOOLS_DEV="false",
)
for _var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
    os.environ.pop(_var, None)

import moto  # noqa: E402  (must patch botocore before any client exists)
import pytest  # noqa: E402

from tests.moto_fixes import keep_streams_across_cancelled_transactions  # noqa: E402
from tests.stack import Stack  # noqa: E402


@pytest.fixture
def stack(monkeypatch):
    keep_streams_across_cancelled_transactions(monkeypatch)
    with moto.mock_aws():
        yield Stack().build()
