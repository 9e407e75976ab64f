"""Run on the emulator's interpreter by test_emulator_log_drain.py (not a test module itself).

ministack's Lambda worker pool (`ministack.core.lambda_runtime`) is driven in this process, with its own log drain and
with tools/emulator_patches/lambda_log_drain.py's. Prints one JSON document on stdout.

  answers: invocations of real worker processes (silent, printing, printing a lot, printing after returning) and the
           drain itself on a queue filled on a schedule: what each returns, with and without the patch.
  timing:  CPU time of this process (the emulator's side) per invocation of a function that prints nothing.
"""

from __future__ import annotations

import io
import json
import queue
import sys
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools" / "emulator_patches"))

import lambda_log_drain as patch
from ministack.core import lambda_runtime

ORIGINAL = lambda_runtime.Worker._drain_stderr_bounded

CODE = """
import threading, time

def silent(event, context):
    return {"echo": event}

def chatty(event, context):
    print("one")
    print("two", flush=True)
    print("three")
    return {"n": 3}

def many(event, context):
    for i in range(300):
        print(f"line {i} " + "x" * 80)
    return {"n": 300}

def late(event, context):
    print("before return")
    threading.Thread(target=lambda: (time.sleep(0.15), print("after return", flush=True))).start()
    return {"late": True}

def fails(event, context):
    print("about to fail")
    raise ValueError("no")
"""


def use(drain) -> None:
    lambda_runtime.Worker._drain_stderr_bounded = drain


def worker(handler: str) -> lambda_runtime.Worker:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", CODE)
    config = {
        "FunctionName": f"probe-{handler}",
        "Runtime": "python3.13",
        "Handler": f"index.{handler}",
        "Timeout": 10,
        "MemorySize": 128,
        "Environment": {"Variables": {}},
        "FunctionArn": f"arn:aws:lambda:us-east-1:000000000000:function:probe-{handler}",
    }
    return lambda_runtime.Worker(config["FunctionName"], config, buf.getvalue())


def invocations(handler: str, events: list, pause: float = 0.0) -> list:
    w = worker(handler)
    try:
        out = []
        for n, event in enumerate(events):
            r = w.invoke(event, f"req-{n}")
            out.append(
                {"status": r.get("status"), "result": r.get("result"), "error": r.get("error"), "log": r.get("log")}
            )
            time.sleep(pause)
        return out
    finally:
        w.kill()


def real_workers() -> dict:
    return {
        "silent": invocations("silent", [{"a": 1}, [1, 2], "text", None]),
        "chatty": invocations("chatty", [{}, {}, {}]),
        "many": invocations("many", [{}, {}]),
        # the late line misses its own invocation's window and opens the next one's log
        "late": invocations("late", [{}, {}, {}], pause=0.4),
        "fails": invocations("fails", [{}, {}]),
    }


class Fed:
    """Just what the drain reads of a worker: its stderr queue, here filled on a schedule by a thread."""

    def __init__(self, schedule: list[tuple[float, str]]):
        self._stderr_queue = queue.Queue()
        start = time.monotonic()
        for delay, line in schedule:
            if delay == 0:
                self._stderr_queue.put(line)

        def feed():
            for delay, line in schedule:
                if delay:
                    time.sleep(max(0.0, start + delay - time.monotonic()))
                    self._stderr_queue.put(line)

        threading.Thread(target=feed, daemon=True).start()

    def rest(self) -> list[str]:
        time.sleep(0.05)
        left = []
        while not self._stderr_queue.empty():
            left.append(self._stderr_queue.get_nowait())
        return left


def drained(drain, schedule, **bounds) -> dict:
    fed = Fed(schedule)
    t = time.monotonic()
    got = drain(fed, **bounds)
    took = time.monotonic() - t
    late = [line for delay, line in schedule if delay >= 0.3]
    if late:
        time.sleep(max(d for d, _ in schedule) + 0.05)
    return {"got": got, "left": fed.rest(), "took": took}


SCHEDULES = {
    "nothing": [],
    "queued": [(0, f"queued {i}") for i in range(40)],
    "queued then late": [(0, "first"), (0, "second"), (0.3, "late")],
    "first line inside the 50 ms window": [(0.002, "early")],
    "first line after the 50 ms window": [(0.3, "too late")],
    "provided runtime's 100 ms window": [(0.06, "inside 100 ms")],
}


def synthetic() -> dict:
    out = {}
    for name, schedule in SCHEDULES.items():
        bounds = {"first_line_wait": 0.1} if "provided" in name else {}
        out[name] = {
            "original": drained(ORIGINAL, schedule, **bounds),
            "patched": drained(patch._drain_stderr_bounded, schedule, **bounds),
        }
    # a line every millisecond for 0.6 s: both stop at the 250 ms cap with a prefix of the stream, the rest queued
    stream = [(0.001 * i, f"stream {i}") for i in range(600)]
    out["streaming past the cap"] = {
        "original": drained(ORIGINAL, stream),
        "patched": drained(patch._drain_stderr_bounded, stream),
    }
    return out


def answers() -> dict:
    use(ORIGINAL)
    before = real_workers()
    before_synthetic = synthetic()
    patch.apply()
    assert lambda_runtime.Worker._drain_stderr_bounded is patch._drain_stderr_bounded
    patched = real_workers()
    return {"original": before, "patched": patched, "synthetic": before_synthetic}


def timing(rounds: int = 3, n: int = 40) -> dict:
    """CPU per invocation of a function that prints nothing (its drain waits out the 50 ms window): of the drain alone
    (the invoking thread's CPU while it drains) and of this whole process (the emulator's side of the invocation)."""
    spent = [0.0]

    def timed(drain):
        def wrapper(self, *args, **kwargs):
            t = time.thread_time()
            try:
                return drain(self, *args, **kwargs)
            finally:
                spent[0] += time.thread_time() - t

        return wrapper

    w = worker("silent")
    try:
        w.invoke({}, "warm")
        cpu = {"original": [], "patched": []}
        drain_cpu = {"original": [], "patched": []}
        for _ in range(rounds):
            for name, drain in (("original", ORIGINAL), ("patched", patch._drain_stderr_bounded)):
                use(timed(drain))
                spent[0] = 0.0
                t = time.process_time()
                for i in range(n):
                    w.invoke({"i": i}, f"r{i}")
                cpu[name].append((time.process_time() - t) / n * 1000)
                drain_cpu[name].append(spent[0] / n * 1000)
        return {
            "original_ms": min(cpu["original"]),
            "patched_ms": min(cpu["patched"]),
            "original_drain_ms": min(drain_cpu["original"]),
            "patched_drain_ms": min(drain_cpu["patched"]),
        }
    finally:
        w.kill()


if __name__ == "__main__":
    mode = sys.argv[1]
    print(json.dumps(answers() if mode == "answers" else timing()))
