"""Start localstripe for the local stack (run by boxoffice_dev.payments on the localstripe venv).

    python launch.py --host 127.0.0.1 --port 8420 [--keep-store FILE]

Not localstripe's own CLI (`localstripe.server.start`), which binds '::' (every interface, IPv4 and IPv6), loads
/tmp/localstripe.pickle at start and pickles its whole store there after every write. Instead:
  - its module-level aiohttp app (`localstripe.server.app`, routes already added) is served with AppRunner + TCPSite
    on a loopback address only (anything else is refused);
  - pickling is off: `Store.dump_to_disk` does nothing, so no write ever touches /tmp/localstripe.pickle (it is called
    from Store.__setitem__, Store.__delitem__ and after every POST/PUT/DELETE, and cost 8 to 17 ms a write, growing
    with the store); nothing is loaded from it either;
  - the patches in PATCHES are applied (each module's docstring says what and why); localstripe's code on disk is
    never changed.
With --keep-store, the store is written to FILE when the process is stopped (SIGTERM, SIGINT) and read back from it at
start, so that a restart (a provider outage, in the tests) finds the PaymentIntents made before it, as Stripe would.

Prints one line when it answers: "localstripe ready at http://HOST:PORT" (port 0 picks a free one).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import ipaddress
import logging
import os
import pickle
import signal
import sys
from pathlib import Path

PATCHES: tuple[str, ...] = ("card_token_payment_methods", "publishable_key_payment_methods")


def _loopback(host: str) -> str:
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise SystemExit(f"localstripe is served on a loopback address only (127.0.0.1, ::1), not {host!r}")


def _load(store, path: Path | None) -> None:
    if path and path.exists():
        with open(path, "rb") as f:
            kept = pickle.load(f)
        dict.update(store, kept)
        print(f"localstripe: {len(kept)} objects read back from {path}", flush=True)


def _save(store, path: Path | None) -> None:
    if path:
        partial = path.with_name(path.name + ".partial")
        with open(partial, "wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)


async def _serve(host: str, port: int, keep_store: Path | None) -> None:
    from aiohttp import web
    from localstripe.resources import store
    from localstripe.server import app

    _load(store, keep_store)
    runner = web.AppRunner(
        app,
        access_log=logging.getLogger("aiohttp.access"),
        access_log_format='%a "%r" %s %Tfs',
        shutdown_timeout=1.0,  # keep-alive connections of the functions' HTTP clients must not hold a stop up
    )
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port)
    await site.start()
    bound_host, bound_port = runner.addresses[0][:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"localstripe ready at http://{shown}:{bound_port}", flush=True)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    _save(store, keep_store)  # before closing connections: what was answered is what is kept
    await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", type=_loopback)
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--keep-store", type=Path, help="read the store from here at start, write it here at stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(message)s")

    from localstripe.resources import Store

    # Pickling off, before any request (see the docstring).
    Store.dump_to_disk = lambda self: None
    for name in PATCHES:
        importlib.import_module(name).apply()
    asyncio.run(_serve(args.host, args.port, args.keep_store))


if __name__ == "__main__":
    main()
