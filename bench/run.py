"""`make bench`: Boxoffice's figures, each measured side by side with its floor in the same run, so the ratio holds on a
noisy machine. Prints one table, writes bench/results.json and bench/results.png.

Order: the local stack starts (localstripe, the emulator, sam build/deploy of template.yaml) while the cold starts are
measured; then booking overhead and the cost inputs (in-process), end to end, cancellation at scale, GET /bookings at
scale, the payment breaker open (it waits until what it held has settled), and the flash sales last (their event
backlog would otherwise load the others). Everything it starts it stops.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
from common import BENCH, say

warnings.filterwarnings("ignore")
# In-process domain code must only ever reach the emulator; start clean.
for _k in [k for k in os.environ if k.startswith("AWS_")]:
    del os.environ[_k]


def _fmt(v, unit=""):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if unit == "USD":
        return f"${v:,.2f}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.2f}"


def print_table(rows: list[dict]) -> None:
    head = f"{'figure':<66} {'value':>10} {'unit':<6} {'floor':>9} {'ratio':>7} {'target':<36} {'met':<4}"
    print(head)
    print("-" * len(head))
    for r in rows:
        met = {True: "yes", False: "NO", None: ""}[r["met"]]
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        print(
            f"{r['name'][:66]:<66} {_fmt(r['value'], r['unit']):>10} {r['unit']:<6} {_fmt(r['floor'], r['unit']):>9} "
            f"{ratio:>7} {(r['target'] or ''):<36} {met:<4}"
        )
        if r.get("note"):
            print(f"{'':<4}{r['note']}")


def chart(rows: list[dict], e2e: dict | None, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = [r for r in rows if r["ratio"] is not None and r["target"]]
    fig, axes = plt.subplots(1, 2, figsize=(15, max(5, 0.35 * len(ratios) + 1.5)), gridspec_kw={"width_ratios": [3, 2]})
    ax = axes[0]
    names = [r["name"].replace("2. cold start ", "cold ") for r in ratios]
    vals = [r["ratio"] for r in ratios]
    colors = ["tab:green" if r["met"] else "tab:red" for r in ratios]
    y = range(len(ratios))
    ax.barh(list(y), vals, color=colors)
    for i, r in enumerate(ratios):
        target = float("".join(c for c in r["target"].split("x")[0] if c.isdigit() or c == "."))
        ax.plot([target, target], [i - 0.4, i + 0.4], color="black", linewidth=2)
    ax.set_yticks(list(y))
    ax.set_yticklabels([n[:55] for n in names], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("ratio to floor (black tick: target; green met, red not met)")
    ax.set_title("Boxoffice vs floor, same run")
    ax = axes[1]
    if e2e and e2e["booking_s"]:
        for label, xs in (
            ("Boxoffice 201 -> bookedCount + view", e2e["booking_s"]),
            ("floor chain put -> ... -> put", e2e["floor_s"]),
        ):
            s = sorted(x * 1000 for x in xs)
            ax.plot(s, [(i + 1) / len(s) for i in range(len(s))], label=label)
        ax.axhline(0.95, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_xlabel("ms (log)")
        ax.set_ylabel("fraction of events arrived")
        ax.set_title("End to end latency, CDF")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> int:
    started = time.monotonic()
    rows: list[dict] = []
    stack_box: dict = {}

    def bring_up():
        try:
            stack_box["stack"] = common.start_stack()
        except BaseException as exc:
            stack_box["error"] = exc

    say("starting the local stack (emulator + sam build/deploy) and, meanwhile, measuring cold starts ...")
    up = threading.Thread(target=bring_up, daemon=True)
    up.start()
    import coldstart

    cold = coldstart.run()
    up.join()
    if "error" in stack_box:
        raise SystemExit(f"the local stack did not start: {stack_box['error']}")
    stack = stack_box["stack"]
    say(f"stack up after {time.monotonic() - started:.0f}s")
    e2e_data = None
    import cost
    import e2e
    import floors as floors_mod
    import inprocess

    floors = floors_mod.Floors(stack)
    try:
        say("figure 1 and cost inputs: in-process handlers vs bare boto3 ...")
        inproc = inprocess.run(stack)
        rows += inprocess.figure(inproc)
        rows += coldstart.figure(cold)

        say("deploying the floors (event chain, no-op route) ...")
        floors.deploy_chain()
        noop_path = floors.deploy_noop_route()
        http = e2e.Http(stack)
        org = stack.token("bench-organizer", ["organizers"])
        from concurrent.futures import ThreadPoolExecutor

        # Customers enough for the flash sale's seats at LIMIT tickets each (a sale must be able to sell out), in
        # a multiple of its 32 clients; the other figures use some of them.
        customers = common.customers_for(5000, 32, e2e.LIMIT)
        say(f"signing in {customers} customers ...")
        with ThreadPoolExecutor(8) as pool:
            tokens = list(pool.map(lambda i: stack.token(f"bench-customer-{i}"), range(customers)))

        say("figure 3: end to end, 500 bookings in waves, beside the floor chain ...")
        e2e_data = e2e.end_to_end(stack, floors, http, org, tokens[:8])
        rows += e2e.end_to_end_rows(e2e_data)

        say("figure 5b: cancelling 1,000 vs 10,000 bookings ...")
        rows += e2e.cancel_rows(e2e.cancel_scale(stack))

        say("figure 5a: GET /bookings at 1,000 and 100,000 views ...")
        rows += e2e.get_rows(e2e.get_scale(stack, http, tokens[-1], noop_path))

        say("figure 7: booking with the payment breaker open vs a free booking ...")
        rows += e2e.breaker_rows(e2e.breaker_open(stack, http, org, tokens[:200]))

        say("figure 4: flash sales (free and paid), 32 clients, 5,000 seats each, beside the no-op route ...")
        flash = e2e.flash_sale(stack, http, org, tokens, noop_path)
        raw = e2e.raw_transactions(stack)
        rows += e2e.flash_rows(flash, raw)
    finally:
        floors.cleanup()
        common.stop_stack(stack)
        from boxoffice import config

        config.reset_clients()

    m = cost.model(inproc, "free")
    paid = cost.model(inproc, "paid")
    rows += cost.rows(m, paid)
    elapsed = time.monotonic() - started
    order = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
    rows.sort(key=lambda r: order.get(r["name"][0], 9))

    print()
    print(
        f"Boxoffice benchmark  ({time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}, run took {elapsed:.0f}s)"
    )
    print_table(rows)
    print()
    for mm in (m, paid):
        print(
            f"Cost inputs per {mm['kind']} booking (one booking through BookTicket -> StreamPublisher -> Headcount + "
            "StatusView):"
        )
        for r in mm["lambda"]:
            print(
                f"  {r['function']:<30} {r['invocations']} invocation, {r['ms']:.1f} ms warm (measured here), "
                f"{r['memory_mb']} MB -> {r['gb_s'] * 1000:.2f} GB-ms"
            )
        for fn, detail in mm["ddb_detail"].items():
            if detail:
                print(f"  {fn:<30} " + "; ".join(detail))
        print(
            f"  Lambda invocations per booking: {mm['invocations']}; DynamoDB write units per booking: {mm['wru']:g} "
            f"(transactions count twice, GSI copies once); read units: {mm['rru']:g}"
        )
    print(
        "  Prices (us-east-1 list, on-demand, no free tier): "
        + ", ".join(f"{k}=${v:.10g}" for k, v in m["prices"].items())
    )
    met = [r for r in rows if r["met"] is not None]
    print(f"\nTargets met: {sum(1 for r in met if r['met'])}/{len(met)}")

    clean = [dict(r.items()) for r in rows]
    for r in clean:
        for k, v in list(r.items()):
            if isinstance(v, float) and math.isnan(v):
                r[k] = None
    (BENCH / "results.json").write_text(json.dumps(clean, indent=2, ensure_ascii=False, default=str))
    chart(rows, e2e_data, BENCH / "results.png")
    print(f"wrote {BENCH / 'results.json'} and {BENCH / 'results.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
