"""The local AWS emulator (ministack) as a child process: started on loopback, stopped with everything it spawned."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from boxoffice_dev.paths import EMULATOR_VENV, LOCAL, REGION, ROOT

LAUNCHER = ROOT / "tools" / "emulator_patches" / "launch.py"

READY_TIMEOUT_S = 30


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


class Emulator:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log_path = LOCAL / f"emulator-{self.port}.log"
        # It unpacks every function's code into its temp dir: keep that ours, and remove it on stop.
        LOCAL.mkdir(exist_ok=True)
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=f"emulator-{self.port}-", dir=LOCAL))

    def environment(self) -> dict[str, str]:
        # Its Lambda workers inherit this environment: no real credentials, no endpoint override.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            GATEWAY_PORT=str(self.port),
            BIND_HOST="127.0.0.1",
            IOT_MTLS_ENABLED="0",  # otherwise it listens on 0.0.0.0:8883 whatever BIND_HOST says
            SFTP_ENABLED="0",
            LOG_LEVEL=os.environ.get("EMULATOR_LOG_LEVEL", "WARNING"),
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION=REGION,
            TMPDIR=str(self.tmp_dir),
        )
        return env

    def start(self) -> Emulator:
        LOCAL.mkdir(exist_ok=True)
        installed = EMULATOR_VENV / "bin" / "ministack"
        if not installed.exists():
            raise SystemExit(f"the emulator is not installed ({installed}); run `make run` or `make venvs`")
        # Its own session, so stopping it can reach every worker process it starts. (The child keeps its own copy of
        # the log file's descriptor.)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(EMULATOR_VENV / "bin" / "python"), str(LAUNCHER)],
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the emulator exited at start; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/_ministack/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"the emulator did not become ready in {READY_TIMEOUT_S}s; see {self.log_path}")

    def stop(self) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass
        # Workers it started may have left the group; they still carry its port in their environment.
        _kill_leftover_workers(self.port)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)


def _kill_leftover_workers(port: int) -> None:
    marker = f"GATEWAY_PORT={port}".encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker in f.read().split(b"\0"):
                    os.kill(int(pid), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue
