"""The whole stack on this machine: emulator, payment provider (localstripe), `sam build` + `sam deploy` of
template.yaml, and the API and the portal on HOST:PORT."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from boxoffice_dev import deploy, tokens
from boxoffice_dev.aws import client
from boxoffice_dev.emulator import Emulator, port_is_free
from boxoffice_dev.paths import STATE_FILE
from boxoffice_dev.payments import SECRET_KEY, Localstripe, LocalstripeApi
from boxoffice_dev.portal import Portal, local_config, local_origins
from boxoffice_dev.proxy import make_server


def state_path() -> Path:
    """Where a running stack says how to reach it (BOXOFFICE_STATE overrides, e.g. for the tests' own stack)."""
    return Path(os.environ.get("BOXOFFICE_STATE") or STATE_FILE)


class PortTaken(SystemExit):
    pass


class LocalStack:
    def __init__(self, host: str = "127.0.0.1", port: int = 3000, quiet: bool = False, state_file=None, build_dir=None):
        self.host, self.port, self.quiet = host, port, quiet
        self.build_dir = Path(build_dir) if build_dir else None
        self.state_file = Path(state_file) if state_file else state_path()
        self.url = f"http://{host}:{port}"
        self.emulator: Emulator | None = None
        self.payments: Localstripe | None = None  # tests stop, restart and pause it (a provider outage)
        self.outputs: dict[str, str] = {}
        self.resources: dict[str, str] = {}
        self._server = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def up(self) -> LocalStack:
        if not port_is_free(self.host, self.port):
            raise PortTaken(
                f"port {self.port} on {self.host} is already in use; free it or choose another: PORT=3001 make run"
            )
        try:
            # The provider first: its address is a parameter of the deploy, as Stripe's is on AWS.
            self.payments = Localstripe().start()
            self.emulator = Emulator().start()
            self._say(
                f"emulator ready at {self.emulator.endpoint}, localstripe at {self.payments.url}; "
                "building and deploying template.yaml ..."
            )
            self.outputs = deploy.build_and_deploy(
                self.emulator.endpoint,
                quiet=self.quiet,
                build_dir=self.build_dir,
                parameters={"PaymentApiBase": self.payments.url},
            )
            # The template creates PaymentSecret with a placeholder; the key goes in after the deploy, as on AWS.
            deploy.put_payment_secret(self.emulator.endpoint, self.outputs, SECRET_KEY)
            self.resources = deploy.physical_ids(self.emulator.endpoint)
            prefix = f"/_aws/execute-api/{self.outputs['ApiId']}/local"
            portal = Portal(local_config(self.outputs, self.payments.url), local_origins(self.payments.url))
            self._server = make_server(self.host, self.port, self.emulator.endpoint, prefix, portal)
            self._thread = threading.Thread(target=self._server.serve_forever, name="api-proxy", daemon=True)
            self._thread.start()
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self.state_file.write_text(json.dumps(self.state(), indent=2))
        except BaseException:
            self.down()
            raise
        return self

    def down(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self.emulator:
            self.emulator.stop()
            self.emulator = None
        if self.payments:
            self.payments.stop(keep_store=False)
            self.payments = None
        if self.state_file.exists() and json.loads(self.state_file.read_text()).get("url") == self.url:
            self.state_file.unlink()

    def __enter__(self) -> LocalStack:
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    def state(self) -> dict:
        return {
            "url": self.url,
            "endpoint": self.emulator.endpoint,
            "payments_url": self.payments.url,
            "outputs": self.outputs,
            "resources": self.resources,
        }

    # ------------------------------------------------------------------ using it
    @property
    def endpoint(self) -> str:
        return self.emulator.endpoint

    def client(self, service: str, **config):
        return client(service, self.endpoint, **config)

    def token(self, name: str, groups: list[str] = ()) -> str:
        return tokens.token(self.endpoint, self.outputs, name, groups)

    def wait_for(self, condition, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
        """Poll `condition` until it returns something truthy (the chain is asynchronous); fail after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            result = condition()
            if result:
                return result
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not hold within {timeout}s")
            time.sleep(interval)


class Attached:
    """A running `make run` stack, found through its state file (for `boxoffice token`, `invoke`, `payments` ...)."""

    def __init__(self):
        path = state_path()
        if not path.exists():
            raise SystemExit("no local stack is running: start one with `make run` (in another terminal)")
        state = json.loads(path.read_text())
        self.url, self.endpoint = state["url"], state["endpoint"]
        self.outputs, self.resources = state["outputs"], state["resources"]
        # localstripe's address (absent in the state file of a stack started before it had one).
        self.payments_url: str | None = state.get("payments_url")
        self.payments = LocalstripeApi(self.payments_url) if self.payments_url else None

    def client(self, service: str, **config):
        return client(service, self.endpoint, **config)

    def token(self, name: str, groups: list[str] = ()) -> str:
        return tokens.token(self.endpoint, self.outputs, name, groups)
