"""The database storage for `limits`: one count shared by every connection, windows that end, no negative counts."""

from __future__ import annotations

import pathlib
import time

from limits.strategies import FixedWindowRateLimiter

from api.cli import migrate
from api.db import get_engine
from api.ratelimit import DatabaseStorage, per_seconds


def test_database_storage_counts_windows_and_refunds(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'rl.db'}"
    migrate(url)
    limiter = FixedWindowRateLimiter(DatabaseStorage(url))
    item = per_seconds(2, 1)
    assert [limiter.hit(item, "k") for _ in range(3)] == [True, True, False]
    get_engine(url).dispose()  # another worker's connections see the same count
    other = FixedWindowRateLimiter(DatabaseStorage(url))
    assert not other.hit(item, "k") and other.hit(item, "another key")
    assert other.get_window_stats(item, "k").remaining == 0
    time.sleep(1.1)
    assert other.hit(item, "k"), "a new window after the old one ended"
    assert other.hit(item, "fresh", cost=-1) and other.hit(item, "fresh") and other.hit(item, "fresh")
    assert not other.hit(item, "fresh"), "giving back on an empty window did not buy an extra hit"
