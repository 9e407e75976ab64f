"""Shared helpers of the benchmark: statistics, the emulator-side tables built from template.yaml, a Lambda context."""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
FUNCTIONS = ROOT / "functions"
for _p in (str(FUNCTIONS), str(ROOT / "tools")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

REGION = "us-east-1"


# ---------------------------------------------------------------- statistics
def median(xs):
    return statistics.median(xs) if xs else float("nan")


def p95(xs):
    if not xs:
        return float("nan")
    s = sorted(xs)
    # nearest-rank
    return s[max(0, math.ceil(0.95 * len(s)) - 1)]


def ms(seconds: float) -> float:
    return seconds * 1000.0


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- template.yaml
class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node, deep=True)}
    return {suffix: loader.construct_mapping(node, deep=True)}


_CfnLoader.add_multi_constructor("!", _tag)


@functools.cache
def template() -> dict:
    # Parsed once: parsing it per invocation (for a Lambda context) left garbage that the collector then swept
    # inside the timed handler calls, adding about a quarter to figure 1's handler median.
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=_CfnLoader)


def table_props(logical_id: str) -> dict:
    return template()["Resources"][logical_id]["Properties"]


def function_props(logical_id: str) -> dict:
    """A function's properties, Globals merged in and `!Ref Parameter` resolved to its default (as on AWS)."""
    doc = template()
    props = {**doc.get("Globals", {}).get("Function", {}), **doc["Resources"][logical_id]["Properties"]}
    params = doc.get("Parameters", {})
    return {
        k: params[v["Ref"]]["Default"] if isinstance(v, dict) and v.get("Ref") in params else v
        for k, v in props.items()
    }


def create_table_like(ddb, logical_id: str, *, stream: bool = False) -> str:
    """A table on the emulator with the key schema, attributes and indexes template.yaml gives `logical_id`."""
    props = table_props(logical_id)
    name = f"bench-{logical_id[:-5].lower()}-{uuid.uuid4().hex[:6]}"
    args = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props["BillingMode"],
    }
    if props.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if stream and props.get("StreamSpecification"):
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    ddb.create_table(**args)
    return name


# ---------------------------------------------------------------- in-process Lambda
class FakeContext:
    def __init__(self, name: str, memory: int, timeout_s: int = 10):
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:000000000000:function:{name}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def point_domain_at(endpoint: str, env: dict[str, str]) -> None:
    """Point in-process domain code at the emulator (as tests/e2e/test_scale.py does)."""
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION=REGION,
        POWERTOOLS_METRICS_NAMESPACE="Boxoffice",
        POWERTOOLS_LOG_LEVEL="INFO",
        POWERTOOLS_LOGGER_LOG_EVENT="false",
        POWERTOOLS_TRACE_DISABLED="true",
        STAGE="local",
        **env,
    )
    from boxoffice import config

    config.reset_clients()


# ---------------------------------------------------------------- the local stack
def start_stack():
    """The `make run` stack, with its own state file and SAM build directory (others may build meanwhile)."""
    from boxoffice_dev.emulator import free_port
    from boxoffice_dev.local_stack import LocalStack

    own = Path(tempfile.mkdtemp(prefix="bench-stack-", dir="/tmp"))
    stack = LocalStack(port=free_port(), quiet=True, state_file=own / "stack.json", build_dir=own / "sam")
    stack._bench_dir = own
    try:
        return stack.up()
    except BaseException:
        shutil.rmtree(own, ignore_errors=True)
        raise


def stop_stack(stack) -> None:
    stack.down()
    shutil.rmtree(stack._bench_dir, ignore_errors=True)


def local_parameter(name: str) -> str:
    """A template parameter as the local stack is deployed with it: samconfig.toml's `local` parameter overrides,
    else the template's default."""
    import shlex
    import tomllib

    overrides = tomllib.loads((ROOT / "samconfig.toml").read_text())["local"]["deploy"]["parameters"]
    local = dict(o.split("=", 1) for o in shlex.split(overrides["parameter_overrides"]))
    return local[name] if name in local else str(template()["Parameters"][name]["Default"])


def customers_for(seats: int, clients: int, limit: int = 10, spare: float = 1.3) -> int:
    """How many customers a sale of `seats` needs when each may hold `limit` tickets: the seats' worth and 30% more
    (customers' last bookings rarely fill their limit exactly), rounded up to a multiple of the clients."""
    need = math.ceil(seats / limit * spare)
    return math.ceil(need / clients) * clients


_WORKER_OF: dict[int, str] = {}


def _worker(pid: int, book_ticket: str) -> str:
    """Which function a worker process of the emulator runs (its AWS_LAMBDA_FUNCTION_NAME): BookTicket (deployed as
    `book_ticket`), the benchmark's no-op, or the event chain (every other function)."""
    if pid not in _WORKER_OF:
        try:
            env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            return "event chain"
        name = next((e.split(b"=", 1)[1].decode() for e in env if e.startswith(b"AWS_LAMBDA_FUNCTION_NAME=")), "")
        kind = "BookTicket" if name == book_ticket else "no-op" if name.startswith("bench-noop-") else "event chain"
        _WORKER_OF[pid] = kind
    return _WORKER_OF[pid]


def cpu_seconds(stack) -> dict[str, float]:
    """CPU time (user + system, seconds) used so far by each part of the local stack, from /proc: the emulator's own
    process (API Gateway, DynamoDB, streams, SQS, EventBridge: one Python process), the function workers it started
    (its session: BookTicket, the no-op, every other function), localstripe (its session), this benchmark process
    (its clients and the local HTTP pass-through); everything else the machine ran (`other`: the kernel, other
    processes) and its idle time."""
    tick = os.sysconf("SC_CLK_TCK")
    emulator, payments = stack.emulator.process.pid, stack.payments.process.pid
    book_ticket = stack.resources["BookTicketFunction"]
    out = dict.fromkeys(("emulator", "BookTicket", "no-op", "event chain", "localstripe"), 0.0)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # from field 3 (state) on
        session, used = int(fields[3]), sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        if session == emulator:
            out["emulator" if int(entry) == emulator else _worker(int(entry), book_ticket)] += used
        elif session == payments:
            out["localstripe"] += used
    out["bench"] = sum(os.times()[:2])
    cpu = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    out["idle"] = (cpu[3] + cpu[4]) / tick  # idle + iowait, all CPUs
    out["other"] = (sum(cpu[:8]) - cpu[3] - cpu[4]) / tick - sum(v for k, v in out.items() if k != "idle")
    return out


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
