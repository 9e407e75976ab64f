"""`sam build` and `sam deploy` of template.yaml to the emulator, with samconfig.toml's `local` environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from boxoffice_dev.aws import client, sam_environment
from boxoffice_dev.paths import LOCAL, ROOT, SAM

STACK_NAME = "boxoffice-local"


def _sam(args: list[str], endpoint: str, quiet: bool, log_name: str | None = None) -> None:
    """Run SAM CLI against the emulator; its output goes to .local/sam-<command>.log, and to the screen on failure."""
    env = {**os.environ, **sam_environment(endpoint)}
    LOCAL.mkdir(exist_ok=True)
    log = LOCAL / (log_name or f"sam-{args[0]}.log")
    started = time.monotonic()
    with open(log, "w") as out:
        result = subprocess.run(
            [str(SAM), *args, "--config-file", str(ROOT / "samconfig.toml"), "--config-env", "local"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if result.returncode != 0:
        sys.stderr.write(log.read_text()[-6000:])
        raise SystemExit(f"sam {args[0]} failed (exit {result.returncode}); full output in {log}")
    if not quiet:
        print(f"sam {args[0]}: {time.monotonic() - started:.1f}s (output in {log.relative_to(ROOT)})", flush=True)


def build_and_deploy(endpoint: str, quiet: bool = False, build_dir: Path | None = None) -> dict[str, str]:
    """Build the functions for this machine and deploy the template; returns the stack's outputs.

    `build_dir` gives a stack its own build (and cache) directory, so that stacks started at the
    same time from one checkout (tests, a benchmark, `make run`) do not write over each other's.
    """
    build, deploy = ["build"], ["deploy", "--no-progressbar"]
    if build_dir:
        build += ["--build-dir", str(build_dir / "build"), "--cache-dir", str(build_dir / "cache")]
        deploy += ["--template-file", str(build_dir / "build" / "template.yaml")]
    suffix = f"-{build_dir.parent.name}" if build_dir else ""
    _sam(build, endpoint, quiet, f"sam-build{suffix}.log")
    _sam(deploy, endpoint, quiet, f"sam-deploy{suffix}.log")
    return outputs(endpoint)


def outputs(endpoint: str) -> dict[str, str]:
    stack = client("cloudformation", endpoint).describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def physical_ids(endpoint: str) -> dict[str, str]:
    """Logical id -> physical id of every resource of the deployed stack."""
    cfn = client("cloudformation", endpoint)
    resources = cfn.describe_stack_resources(StackName=STACK_NAME)["StackResources"]
    return {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
