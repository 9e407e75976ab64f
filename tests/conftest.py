"""Test set-up for every tier: the functions' code on the path and a fake, unreachable AWS account.

Each tier adds its own: tests/unit nothing (pure), tests/integration moto with the stack of template.yaml,
tests/e2e and tests/browser the local stack (its fixtures are registered here, so that a session running both tiers
deploys one stack; nothing starts it unless a test asks for it).
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

# The local stack's fixtures, for tests/e2e and tests/browser (imported after the environment above is set).
from tests.local_stack import api, local_stack  # noqa: E402, F401
