"""boto3 clients for the local stack's emulator."""

from __future__ import annotations

import boto3
from botocore.config import Config

from boxoffice_dev.paths import REGION


def client(service: str, endpoint: str, **config):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, **config),
    )


def sam_environment(endpoint: str) -> dict[str, str]:
    """What SAM CLI needs to deploy to the emulator instead of AWS."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "SAM_CLI_TELEMETRY": "0",
        "PYENV_VERSION": "3.13.0",  # `sam build` needs the template's python3.13 on PATH
    }
