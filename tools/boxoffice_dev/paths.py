"""Where things live in a checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = ROOT / ".local"  # runtime state of the local stack (gitignored)
STATE_FILE = LOCAL / "stack.json"
EMULATOR_VENV = ROOT / ".venvs" / "emulator"
LOCALSTRIPE_VENV = ROOT / ".venvs" / "localstripe"
SAM_VENV = ROOT / ".venvs" / "sam"
SAM = SAM_VENV / "bin" / "sam"
REGION = "us-east-1"
