"""Test set-up for every tier: the functions' code on the path and a fake, unreachable AWS account.

Each tier adds its own: tests/unit nothing (pure), tests/integration moto with the stack of template.yaml,
tests/e2e the local stack.
"""

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
