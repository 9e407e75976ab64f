"""Run a probe script on the emulator's own interpreter (ministack's modules live only there) and read its JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from boxoffice_dev.paths import EMULATOR_VENV, ROOT


def run_probe(script: Path, mode: str) -> dict:
    python = EMULATOR_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail(f"the emulator is not installed ({python}); run `make venvs`")
    done = subprocess.run([str(python), str(script), mode], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
