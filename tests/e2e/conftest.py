"""End-to-end: the stack `make run` starts (emulator + sam deploy of template.yaml), once per run, on a free port.

The stack and the `api` fixture are shared with tests/browser (tests/local_stack.py, registered in tests/conftest.py).
"""

from __future__ import annotations

import pytest

from tests.local_stack import stored_bookings

__all__ = ["stored_bookings"]  # e2e tests import it from here

pytestmark = pytest.mark.e2e
