"""SnapStart: what must not be shared between copies restored from one snapshot is made anew after each restore.

A SnapStart version's init runs once, is snapshotted, and every execution environment starts from that memory:
without this, restored copies would share the `random` module's state and any connection opened during init.
Boxoffice opens none at import (its clients are built at first use), so this drops the cached clients only in case
one ever is, and reseeds `random` (boto3's retry jitter uses it). Ids come from os.urandom, which the kernel keeps
unique per copy. `snapshot_restore_py` is part of AWS's Python runtimes (3.12+); elsewhere the hooks never run.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from boxoffice import config

try:
    from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
except ImportError:  # not on AWS's runtime (tests, the local emulator): nothing is ever restored

    def register_after_restore(func: Callable, *args: object, **kwargs: object) -> Callable:
        return func


def after_restore() -> None:
    random.seed()  # from os.urandom: each restored copy its own sequence
    config.reset_clients()


register_after_restore(after_restore)
