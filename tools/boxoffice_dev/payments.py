"""The local payment provider (localstripe) as a child process, and its API as Boxoffice's tools read it.

The deployed functions reach it exactly as they would reach Stripe on AWS: its address is the template parameter
`PaymentApiBase`, and the secret key they send is the value of the `PaymentSecret` secret (localstripe accepts any
`sk_...` key). It is started by tools/localstripe_patches/launch.py on its own virtualenv: on 127.0.0.1 only, its
store in memory (no /tmp/localstripe.pickle), with Boxoffice's patches applied (see that file).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from boxoffice_dev.emulator import free_port
from boxoffice_dev.paths import LOCAL, LOCALSTRIPE_VENV, ROOT

LAUNCHER = ROOT / "tools" / "localstripe_patches" / "launch.py"
READY_TIMEOUT_S = 20
STOP_TIMEOUT_S = 10
# What the local stack puts in PaymentSecret, and so what the functions send. Any sk_ string works with localstripe.
SECRET_KEY = "sk_test_boxoffice_local"
# What the tools send when they read localstripe's store (a key of their own, so logs tell the two apart).
TOOLS_KEY = "sk_test_local"
PAGE_SIZE = 100


class LocalstripeError(Exception):
    def __init__(self, status: int, body: dict | str):
        self.status, self.body = status, body
        message = body.get("error", {}).get("message") if isinstance(body, dict) else body
        super().__init__(f"localstripe answered {status}: {message}")


def _form(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: nested dicts as a[b]=..., lists as a[0]=..., booleans as true/false."""
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs += _form(value, name)
        elif isinstance(value, list | tuple):
            pairs += _form(dict(enumerate(value)), name)
        elif isinstance(value, bool):
            pairs.append((name, "true" if value else "false"))
        elif value is not None:
            pairs.append((name, str(value)))
    return pairs


class LocalstripeApi:
    """localstripe's HTTP API at `url` (a running one: the local stack's, or one this process started)."""

    def __init__(self, url: str, key: str = TOOLS_KEY):
        self.url = url
        self.key = key

    def request(self, method: str, path: str, params: dict | None = None, timeout: float = 10.0) -> dict:
        """One call; the decoded JSON answer, or LocalstripeError with localstripe's own status and body."""
        query = urllib.parse.urlencode(_form(params or {}))
        url, data = f"{self.url}{path}", None
        if method in ("POST", "PUT"):
            data = query.encode()
        elif query:
            url += f"?{query}"
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
            raise LocalstripeError(exc.code, body) from None
        return json.loads(raw) if raw.strip() else {}

    def list_all(self, path: str, **filters: str) -> list[dict]:
        """Every object a list endpoint holds, page by page (localstripe lists in its own order: see each caller)."""
        out: list[dict] = []
        seen: set[str] = set()
        params: dict = {**filters, "limit": PAGE_SIZE}
        while True:
            page = self.request("GET", path, params)
            fresh = [o for o in page["data"] if o["id"] not in seen]
            out += fresh
            seen.update(o["id"] for o in fresh)
            # A cursor localstripe no longer finds restarts the list from the top: stop rather than loop.
            if not page.get("has_more") or not fresh:
                return out
            params["starting_after"] = page["data"][-1]["id"]

    def payment_intents(self) -> list[dict]:
        """Every PaymentIntent localstripe holds, oldest first (it has no filters and no search: filter these)."""
        return self.list_all("/v1/payment_intents")

    def payment_intent(self, payment_intent_id: str) -> dict:
        return self.request("GET", f"/v1/payment_intents/{payment_intent_id}")

    def refunds(self, payment_intent: str | None = None) -> list[dict]:
        """Every refund localstripe holds, or those of one PaymentIntent (of a confirmed one: localstripe answers 500
        for an intent with no charge); newest first, to the second."""
        return self.list_all("/v1/refunds", **({"payment_intent": payment_intent} if payment_intent else {}))

    def clear(self) -> None:
        """Forget everything (localstripe's own DELETE /_config/data)."""
        self.request("DELETE", "/_config/data")

    def answers(self, timeout: float = 1.0) -> bool:
        try:
            self.request("GET", "/v1/payment_intents", {"limit": 1}, timeout=timeout)
            return True
        except (OSError, LocalstripeError, ValueError):
            return False


class Localstripe(LocalstripeApi):
    """localstripe on 127.0.0.1:`port` (a free one by default), in its own session so a stop reaches all it started.

    The port stays the object's: `restart()`, or `stop()` then `start()`, serve on the same address, which the
    deployed stack keeps calling (a provider outage and its recovery, in the tests). The store survives that: the
    launcher writes it to .local/ when stopped and reads it back at the next start (the PaymentIntents made before an
    outage are still there after it, as on Stripe). The first start of an object begins empty. `pause()` and
    `resume()` freeze and thaw the process instead: connections are still accepted (by the kernel) but never
    answered, which is a provider that has gone slow rather than away.
    """

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        super().__init__(f"http://127.0.0.1:{self.port}")
        self.process: subprocess.Popen | None = None
        self.log_path = LOCAL / f"localstripe-{self.port}.log"
        self.store_path = LOCAL / f"localstripe-{self.port}.store"
        self._started = False
        self._paused = False

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = READY_TIMEOUT_S) -> Localstripe:
        if self.running:
            return self
        python = LOCALSTRIPE_VENV / "bin" / "python"
        if not python.exists():
            raise SystemExit(f"localstripe is not installed ({python}); run `make run` or `make venvs`")
        LOCAL.mkdir(exist_ok=True)
        if not self._started:
            self.store_path.unlink(missing_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        with open(self.log_path, "ab" if self._started else "wb") as log:
            offset = log.tell()
            command = [str(python), str(LAUNCHER), "--host", "127.0.0.1", "--port", str(self.port)]
            self.process = subprocess.Popen(
                [*command, "--keep-store", str(self.store_path)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._started, self._paused = True, False
        ready = f"localstripe ready at {self.url}".encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"localstripe exited at start (port {self.port} taken?); see {self.log_path}")
            # Its own ready line (not just anything answering on the port), then an answer to a real request.
            if ready in self._log_since(offset) and self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"localstripe did not become ready in {timeout}s; see {self.log_path}")

    def _log_since(self, offset: int) -> bytes:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return b""

    def stop(self, keep_store: bool = True) -> None:
        """Stop it and everything in its session (signals go to the whole group); keep_store=False also removes
        the store it saved, which a later start() would read back."""
        process, self.process = self.process, None
        if process and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                if self._paused:
                    os.killpg(process.pid, signal.SIGCONT)
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            except ProcessLookupError:
                pass
        self._paused = False
        if not keep_store:
            self.store_path.unlink(missing_ok=True)

    def restart(self, timeout: float = READY_TIMEOUT_S) -> Localstripe:
        """Stop and start again on the same port, with the same store."""
        self.stop()
        return self.start(timeout)

    def pause(self) -> None:
        """Freeze the process: requests are accepted but not answered until `resume()` (read timeouts)."""
        if self.running:
            os.killpg(self.process.pid, signal.SIGSTOP)
            self._paused = True

    def resume(self) -> None:
        if self.running and self._paused:
            os.killpg(self.process.pid, signal.SIGCONT)
        self._paused = False

    def __enter__(self) -> Localstripe:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop(keep_store=False)
