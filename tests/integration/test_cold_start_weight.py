"""What a cold start loads: every function's handler module, imported in a fresh interpreter, leaves out the
modules that cost a cold start most and that the function does not use (bench figure 2 measures the time).

- the X-Ray SDK: it builds two X-Ray clients for its sampler at import (about 75 ms);
- Powertools' parser models: the batch utility loads all of them for type hints if pydantic came first (about 20 ms);
- a DynamoDB client for idempotency: it is built at the first request that carries an Idempotency-Key;
- the Stripe library and its HTTP client (about 85 ms): loaded at the first paid booking;
- the HTTP models, in queue consumers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests import template

NEVER_AT_IMPORT = ("aws_xray_sdk", "aws_lambda_powertools.utilities.parser", "stripe", "requests")

PROBE = """
import json, sys
import botocore.client
made = []
original = botocore.client.ClientCreator.create_client
def recording(self, service_name, *args, **kwargs):
    made.append(service_name)
    return original(self, service_name, *args, **kwargs)
botocore.client.ClientCreator.create_client = recording
import importlib
importlib.import_module(sys.argv[1])
print(json.dumps({"modules": sorted(sys.modules), "clients": made}))
"""


def _load(module: str, env: dict[str, str]) -> dict:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    full.update(env, PYTHONPATH=str(template.ROOT / "functions"), AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run([sys.executable, "-c", PROBE, module], env=full, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _value(v) -> str:
    """An environment value as deployed: a parameter's default, or a stand-in name for a resource."""
    if isinstance(v, dict) and "Ref" in v and v["Ref"] in template.load()["Parameters"]:
        return str(template.parameter_default(v["Ref"]))
    return v if isinstance(v, str) else "resource-name"


def _is_api(props: dict) -> bool:
    return any(e["Type"] == "Api" for e in (props.get("Events") or {}).values())


@pytest.mark.parametrize("function", sorted(template.functions()))
def test_handler_import_leaves_out_what_it_does_not_use(function):
    props = template.functions()[function]
    env = {k: _value(v) for k, v in props["Environment"]["Variables"].items()}
    loaded = _load(template.handler_module(props), env)
    never = NEVER_AT_IMPORT + (() if _is_api(props) else ("boxoffice.models",))
    heavy = [m for m in loaded["modules"] if m.startswith(never)]
    assert heavy == []
    # Clients are built on first use (and cached): importing a handler builds none.
    assert loaded["clients"] == []
