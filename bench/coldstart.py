"""Figure 2: cold start. A fresh interpreter imports a handler module and builds what its first call builds (the
boto3 clients and tables boxoffice.config caches), vs the framework alone: what any handler of its kind built on the
same libraries loads before a line of Boxoffice runs (boto3 and a DynamoDB client, Powertools' logger and metrics,
pydantic with one model, and the validating REST resolver for an API handler or the batch processor for a queue,
stream or scheduled one). That difference is Boxoffice's own share of the cold start, and the target. Each handler's
ratio to `import boto3; boto3.client("dynamodb")` alone is kept as information.
Subprocesses; each handler run sits between a run of its framework and a run of bare boto3, in an order that rotates;
medians. Each handler gets the environment template.yaml gives it; every function of the template is measured."""

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

# What the first PAID booking of a cold BookTicket adds (informational): the payment provider is built on first use
# (stripe imported, its client made) so that free bookings and the other functions never load it. Its secret read (one
# Secrets Manager call) is left out: a network call, not a cold start.
PAID_EXTRA = """
import stripe
stripe.StripeClient("sk_test_bench", base_addresses={"api": "http://127.0.0.1:9"}, max_network_retries=0,
                    http_client=stripe.RequestsClient(timeout=(1.0, 1.5)))
"""
PAID_FUNCTION = "BookTicketFunction"

FLOOR_SNIPPET = """
import time
t0 = time.perf_counter()
import boto3
boto3.client("dynamodb")
print((time.perf_counter() - t0) * 1000)
"""


# What any API / queue handler built on Powertools and pydantic loads before a line of Boxoffice runs: each handler's
# floor (the share of a cold start that is the chosen framework's). It defines one one-field model: pydantic loads
# most of its machinery only when the first model is built (about 25 ms here), and a handler that validates with
# pydantic has at least one.
def _framework_snippet(imports: str) -> str:
    return FLOOR_SNIPPET.replace('boto3.client("dynamodb")\n', f'boto3.client("dynamodb")\n{imports}\n')


API = "API (Powertools resolver with validation, logger, metrics, a pydantic model)"
QUEUE = "queue (Powertools batch, logger, metrics, a pydantic model)"
FRAMEWORK_SNIPPETS = {
    API: _framework_snippet(
        "from aws_lambda_powertools import Logger, Metrics\n"
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
        "APIGatewayRestResolver(enable_validation=True)\n"
        "from pydantic import BaseModel\n"
        "class One(BaseModel):\n    x: int"
    ),
    QUEUE: _framework_snippet(
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

        own = props.get("Environment", {}).get("Variables", {})
        env = {k: value(k, v) for k, v in {**glob_env, **own}.items()}
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
                # An API handler's framework is the REST resolver; queue, stream and scheduled handlers all go
                # through boxoffice.consumers, which is built on Powertools' batch processor.
                "framework": API
                if any(e.get("Type") == "Api" for e in (props.get("Events") or {}).values())
                else QUEUE,
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
    paid = []
    for rep in range(reps):
        for n, h in enumerate(hs):
            code = HANDLER_SNIPPET.format(module=h["module"], tables=h["tables"], clients=h["clients"])
            runs = [
                ("h", lambda code=code, h=h: results[h["function"]].append(_run(code, h["env"]))),
                ("w", lambda h=h: frameworks[h["framework"]].append(_run(FRAMEWORK_SNIPPETS[h["framework"]], {}))),
                ("f", lambda: floors.append(_run(FLOOR_SNIPPET, {}))),
            ]
            if h["function"] == PAID_FUNCTION:
                with_stripe = code.replace("print((time", PAID_EXTRA + "print((time")
                runs.append(("p", lambda c=with_stripe, h=h: paid.append(_run(c, h["env"]))))
            turn = (rep + n) % len(runs)  # rotate which goes first
            for _, fn in runs[turn:] + runs[:turn]:
                fn()
        say(f"  cold start: repetition {rep + 1}/{reps} done")
    return {
        "handlers": results,
        "floor": floors,
        "frameworks": frameworks,
        "paid": paid,
        "meta": {h["function"]: h for h in hs},
    }


def figure(data: dict) -> list[dict]:
    floor = median(data["floor"])
    framework = {name: median(xs) for name, xs in data["frameworks"].items()}
    rows = []
    for fn, xs in data["handlers"].items():
        kind = data["meta"][fn]["framework"]
        ratio = median(xs) / framework[kind]
        rows.append(
            {
                "name": f"2. cold start {fn}",
                "value": median(xs),
                "unit": "ms",
                "floor": framework[kind],
                "ratio": ratio,
                "target": "<= 1.10x framework",
                "met": ratio <= 1.10,
                "n": len(xs),
                "framework": kind.split(" ")[0],
                "ratio_to_boto3": median(xs) / floor,
                "boto3_ms": floor,
                "note": f"floor: the {kind.split(' ')[0]} framework alone; {median(xs) / floor:.2f}x bare boto3 "
                f"({floor:.0f} ms)",
            }
        )
    if data.get("paid"):
        booking = median(data["handlers"][PAID_FUNCTION])
        rows.append(
            {
                "name": f"2. cold start {PAID_FUNCTION} + its first paid booking's provider (informational)",
                "value": median(data["paid"]),
                "unit": "ms",
                "floor": booking,
                "ratio": median(data["paid"]) / booking,
                "target": None,
                "met": None,
                "n": len(data["paid"]),
                "note": "import stripe + its client, built at a warm instance's first paid booking (not on free ones); "
                "floor: the handler's own cold start",
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
                "note": "what the libraries every such handler uses load by themselves (floor: bare boto3)",
            }
        )
    return rows
