"""Collect a Lambda invocation's log lines by waiting for them, not by polling every millisecond.

Why: after each warm invocation ministack (`ministack.core.lambda_runtime.Worker._drain_stderr_bounded`) collects the
handler's stderr lines from the worker's queue with `get_nowait()` and `time.sleep(0.001)` in a loop until one of
three bounds: no line within `first_line_wait` (50 ms), `idle_confirm` (5 ms) without a new line after one, or
`hard_cap` (250 ms) in all. A function that prints nothing (the benchmark's no-op floor, the event chain's consumers)
therefore wakes the emulator about 50 times per invocation, and each wake-up takes the emulator's GIL away from its
event loop, which serves every API, DynamoDB, SQS and EventBridge request. Measured: the drain of a silent invocation
cost 1.0-1.1 ms of CPU, 0.13 ms with this patch (tests/e2e/emulator_log_drain_probe.py); on the local stack, 32
clients, the no-op route cost the emulator 2.2-2.4 ms of CPU per request, 1.4-1.5 ms with it; over benchmark figure
4's flash sale (bookings and no-op requests, on a warm stack) 4.5-4.9 ms per request, 3.6-4.1 ms with it, and both
routes went about 10% faster (the ratio between them did not move). How long the drain waits is unchanged.

What: the same three bounds, measured from the same moments, with blocking waits on the same queue: one `get` with
a `first_line_wait` timeout for the first line, then `get` with an `idle_confirm` timeout (never past `hard_cap`) for
each following one. It returns the same lines, joined the same way; a line that arrives after the window stays in
the queue for the next invocation, as before. Only the waiting changes (and it ends when the window ends, not at
the next 1 ms tick).

Thread safety: the queue is the worker's own `queue.Queue`, filled by its stderr reader thread; `get` with a timeout
is that class's own blocking read.
"""

from __future__ import annotations

import queue
import time


def _drain_stderr_bounded(
    self, first_line_wait: float = 0.050, idle_confirm: float = 0.005, hard_cap: float = 0.250
) -> str:
    lines = self._stderr_queue
    start = time.monotonic()
    try:
        got = [lines.get(timeout=max(0.0, min(first_line_wait, hard_cap)))]
    except queue.Empty:
        return ""
    while True:
        left = hard_cap - (time.monotonic() - start)
        if left <= 0:
            break
        try:
            got.append(lines.get(timeout=min(idle_confirm, left)))
        except queue.Empty:
            break
    return "\n".join(got)


def apply() -> None:
    from ministack.core import lambda_runtime

    worker = lambda_runtime.Worker
    if getattr(worker._drain_stderr_bounded, "__module__", None) == __name__:
        return
    _drain_stderr_bounded.__doc__ = worker._drain_stderr_bounded.__doc__
    worker._drain_stderr_bounded = _drain_stderr_bounded
