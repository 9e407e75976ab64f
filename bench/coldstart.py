"""Figure 2: cold start. A fresh interpreter imports a handler module and builds what its first call builds (the
boto3 clients and tables boxoffice.config caches), vs `import boto3; boto3.client("dynamodb")` alone.
Subprocesses, interleaved handler/floor, medians. Each handler gets the environment template.yaml gives it."""

from __future__ import annotations

import os
import subprocess
import sys

from common import FUNCTIONS, ROOT, median, say, template

REPS = 5

HANDLER_SNIPPET = """
import time
t0 = time.perf_counter()
import importlib
importlib.import_module({module!r})
from boxoffice import config
for env in {tables!r}:
    config.table(env)
for svc in {clients!r}:
    config.client(svc)
print((time.perf_counter() - t0) * 1000)
"""

FLOOR_SNIPPET = """
import time
t0 = time.perf_counter()
import boto3
boto3.client("dynamodb")
print((time.perf_counter() - t0) * 1000)
"""


# What any API / queue handler built on Powertools and pydantic loads before a line of Boxoffice runs (informational:
# the share of a cold start that is the chosen framework's, measured beside the rest). It defines one one-field model:
# pydantic loads most of its machinery only when the first model is built (about 25 ms here), and a handler that
# validates with pydantic has at least one.
def _framework_snippet(imports: str) -> str:
    return FLOOR_SNIPPET.replace('boto3.client("dynamodb")\n', f'boto3.client("dynamodb")\n{imports}\n')


FRAMEWORK_SNIPPETS = {
    "API (Powertools resolver with validation, logger, metrics, a pydantic model)": _framework_snippet(
        "from aws_lambda_powertools import Logger, Metrics\n"
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
        "APIGatewayRestResolver(enable_validation=True)\n"
        "from pydantic import BaseModel\n"
        "class One(BaseModel):\n    x: int"
    ),
    "queue (Powertools batch, logger, metrics, a pydantic model)": _framework_snippet(
        "from aws_lambda_powertools import Logger, Metrics\n"
        "from aws_lambda_powertools.utilities.batch import BatchProcessor\n"
        "from pydantic import BaseModel\n"
        "class One(BaseModel):\n    x: int"
    ),
}


def handlers() -> list[dict]:
    out = []
    glob_env = template()["Globals"]["Function"]["Environment"]["Variables"]
    for name, res in template()["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        params = template()["Parameters"]

        def value(k, v, params=params):
            if isinstance(v, str):
                return v
            ref = v.get("Ref") if isinstance(v, dict) else None
            if ref in params:
                return str(params[ref]["Default"])
            return f"bench-{k.lower()}"

        env = {k: value(k, v) for k, v in {**glob_env, **props["Environment"]["Variables"]}.items()}
        tables = sorted(k for k in env if k.endswith("_TABLE") and k != "IDEMPOTENCY_TABLE")
        clients = (["events"] if "EVENT_BUS_NAME" in env else []) + (["sqs"] if "PARKING_QUEUE_URL" in env else [])
        module = props["Handler"].rsplit(".", 1)[0]
        out.append(
            {
                "function": name,
                "module": module,
                "env": env,
                "tables": tables,
                "clients": clients,
                "memory": props.get("MemorySize", 256),
            }
        )
    return out


def _run(code: str, env: dict) -> float:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    full.update(
        env,
        PYTHONPATH=str(FUNCTIONS),
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        PYTHONWARNINGS="ignore",
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, cwd=str(ROOT), check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(reps: int = REPS) -> dict:
    hs = handlers()
    results = {h["function"]: [] for h in hs}
    floors = []
    frameworks = {name: [] for name in FRAMEWORK_SNIPPETS}
    for rep in range(reps):
        for name, code in FRAMEWORK_SNIPPETS.items():
            frameworks[name].append(_run(code, {}))
            floors.append(_run(FLOOR_SNIPPET, {}))
        for h in hs:
            code = HANDLER_SNIPPET.format(module=h["module"], tables=h["tables"], clients=h["clients"])
            # alternate which side goes first
            if rep % 2:
                floors.append(_run(FLOOR_SNIPPET, {}))
                results[h["function"]].append(_run(code, h["env"]))
            else:
                results[h["function"]].append(_run(code, h["env"]))
                floors.append(_run(FLOOR_SNIPPET, {}))
        say(f"  cold start: repetition {rep + 1}/{reps} done")
    return {"handlers": results, "floor": floors, "frameworks": frameworks, "meta": {h["function"]: h for h in hs}}


def figure(data: dict) -> list[dict]:
    floor = median(data["floor"])
    rows = []
    for fn, xs in data["handlers"].items():
        ratio = median(xs) / floor
        rows.append(
            {
                "name": f"2. cold start {fn}",
                "value": median(xs),
                "unit": "ms",
                "floor": floor,
                "ratio": ratio,
                "target": "<= 1.5x",
                "met": ratio <= 1.5,
                "n": len(xs),
                "note": "fresh interpreter: import handler module + build its boto3 clients and tables",
            }
        )
    for name, xs in data.get("frameworks", {}).items():
        rows.append(
            {
                "name": f"2. cold start, framework alone: {name}",
                "value": median(xs),
                "unit": "ms",
                "floor": floor,
                "ratio": median(xs) / floor,
                "target": None,
                "met": None,
                "n": len(xs),
                "note": "informational: what the libraries every such handler uses load by themselves",
            }
        )
    return rows
