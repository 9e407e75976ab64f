"""CodeDeploy's PreTraffic hook for the API functions: smoke-test every new version, then tell CodeDeploy whether to
go on (boxoffice.deploys.pre_traffic)."""

from __future__ import annotations

import json

from boxoffice import config
from boxoffice.consumers import lambda_entry
from boxoffice.deploys import pre_traffic
from boxoffice.observability import logger


class VersionFailed(Exception):
    """The version answered with a Lambda function error (it raised, or could not start)."""


def _invoke(version_arn: str, event: dict) -> dict:
    out = config.client("lambda").invoke(FunctionName=version_arn, Payload=json.dumps(event).encode())
    payload = json.loads(out["Payload"].read() or b"{}")
    if out.get("FunctionError"):
        raise VersionFailed(f"{version_arn}: {payload}")
    return payload


def handle(event: dict, context) -> None:
    failures = pre_traffic.run(_invoke, pre_traffic.new_versions())
    for why in failures:
        logger.error("pre-traffic check failed", extra={"why": why})
    status = "Failed" if failures else "Succeeded"
    config.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"],
        lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=status,
    )
    logger.info("pre-traffic checks done", extra={"status": status, "checks": len(pre_traffic.CHECKS)})


lambda_handler = lambda_entry(handle)
