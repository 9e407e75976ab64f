"""SnapStart: copies restored from one snapshot must not share a random sequence or a connection."""

from __future__ import annotations

import random

from boxoffice import config, snapstart


def test_after_a_restore_random_is_reseeded_and_cached_clients_are_dropped(monkeypatch):
    monkeypatch.setattr(config.boto3, "client", lambda service: object())  # no AWS client in the unit tier
    before = config.client("dynamodb")
    random.seed(7)
    snapshot = random.getstate()
    snapstart.after_restore()
    assert random.getstate() != snapshot  # two restored copies would otherwise draw the same numbers
    assert config.client("dynamodb") is not before  # a fresh client, no connection carried over


def test_off_aws_the_restore_hook_is_registered_as_a_plain_function():
    # snapshot_restore_py exists only in AWS's runtime; here the stand-in registers nothing and returns the hook
    assert snapstart.register_after_restore(snapstart.after_restore) is snapstart.after_restore
