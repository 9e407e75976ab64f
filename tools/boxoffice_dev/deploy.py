"""`sam build` and `sam deploy` of template.yaml to the emulator, with samconfig.toml's `local` environment."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
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


def build_and_deploy(
    endpoint: str, quiet: bool = False, build_dir: Path | None = None, parameters: dict[str, str] | None = None
) -> dict[str, str]:
    """Build the functions for this machine and deploy the template; returns the stack's outputs.

    `build_dir` gives a stack its own build (and cache) directory, so that stacks started at the
    same time from one checkout (tests, a benchmark, `make run`) do not write over each other's.
    `parameters` are deployed on top of samconfig.toml's `local` parameter_overrides (see `deploy_parameters`).
    """
    build, deploy = ["build"], ["deploy", "--no-progressbar"]
    if build_dir:
        build += ["--build-dir", str(build_dir / "build"), "--cache-dir", str(build_dir / "cache")]
        deploy += ["--template-file", str(build_dir / "build" / "template.yaml")]
    if parameters:
        deploy += ["--parameter-overrides", format_parameter_overrides(deploy_parameters(parameters))]
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


# ---------------------------------------------------------------------- parameters
def deploy_parameters(extra: dict[str, str], config_file: Path = ROOT / "samconfig.toml") -> dict[str, str]:
    """samconfig.toml's `local` deploy parameter_overrides with `extra` on top (extra wins for a key in both).

    SAM CLI does not merge: `--parameter-overrides` on the command line replaces the config file's whole list
    (checked with `sam deploy --debug` on 1.170.0: only the command line's parameters are converted), so whoever
    adds one passes them all. The config file stays the one place the local values are written.
    """
    with open(config_file, "rb") as f:
        config = tomllib.load(f).get("local", {})
    # As SAM reads it: the deploy section's parameter_overrides if it has one, else the global section's.
    sections = [config.get(part, {}).get("parameters", {}) for part in ("global", "deploy")]
    raw = next((s["parameter_overrides"] for s in reversed(sections) if "parameter_overrides" in s), "")
    return {**parse_parameter_overrides(raw), **extra}


def parse_parameter_overrides(raw: str | list | dict) -> dict[str, str]:
    """SAM's parameter_overrides value: "Key=Value ..." (values may be quoted), the "ParameterKey=K,ParameterValue=V"
    form, or a TOML list or table of either."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    out: dict[str, str] = {}
    for item in raw if isinstance(raw, list) else [raw]:
        if isinstance(item, dict):
            out.update(parse_parameter_overrides(item))
            continue
        for token in shlex.split(str(item)):
            long_form = re.fullmatch(r"ParameterKey=([^,]+),ParameterValue=(.*)", token)
            if long_form:
                key, value = long_form.groups()
            elif "=" in token:
                key, value = token.split("=", 1)
            else:
                raise SystemExit(f"samconfig.toml: cannot read parameter override {token!r} (want Key=Value)")
            out[key] = value
    return out


def format_parameter_overrides(parameters: dict[str, str]) -> str:
    """One --parameter-overrides value, "Key=Value ...", quoting values SAM would otherwise split."""

    def quoted(value: str) -> str:
        if value and not re.search(r"[\s\"'\\]", value):
            return value
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return " ".join(f"{key}={quoted(value)}" for key, value in parameters.items())


def put_payment_secret(endpoint: str, outputs: dict[str, str], value: str) -> None:
    """Put the payment provider's key in the stack's PaymentSecret (the template creates it with a placeholder),
    as an operator does on AWS: `aws secretsmanager put-secret-value --secret-id <PaymentSecretArn>`."""
    secret = outputs.get("PaymentSecretArn")
    if not secret:
        raise SystemExit("the deployed stack has no output PaymentSecretArn; template.yaml should declare it")
    client("secretsmanager", endpoint).put_secret_value(SecretId=secret, SecretString=value)
