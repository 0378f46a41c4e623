"""The database storage for `limits`: one count shared by every connection, windows that end, no negative counts."""

from __future__ import annotations

import pathlib
import time

import pytest
from fastapi.testclient import TestClient
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.orm import Session

from api.admin import auth
from api.admin.models import UserRow
from api.cli import migrate
from api.db import get_engine
from api.main import create_app
from api.ratelimit import DatabaseStorage, per_seconds
from api.settings import get_settings


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


def test_no_password_is_hashed_once_the_limit_is_reached(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'auth.db'}"
    migrate(url)
    monkeypatch.setenv("DVC_DATABASE_URL", url)
    monkeypatch.setenv("DVC_LOGIN_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    hashed: list[str] = []
    check = auth.authenticate

    def counting(session: Session, username: str, password: str) -> UserRow | None:
        hashed.append(username)
        return check(session, username, password)

    monkeypatch.setattr(auth, "authenticate", counting)
    try:
        client = TestClient(create_app())
        codes = [client.get("/api/v1/reports/summary", auth=(f"user{i}", "sai")).status_code for i in range(6)]
    finally:
        get_settings.cache_clear()
    assert codes == [401, 401, 401, 429, 429, 429]
    assert len(hashed) == 3, "argon2 ran only for the allowed attempts"


def test_a_flood_limit_counts_per_process_and_writes_nothing(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import text

    from api import ratelimit

    url = f"sqlite:///{tmp_path / 'flood.db'}"
    migrate(url)
    monkeypatch.setenv("DVC_DATABASE_URL", url)
    get_settings.cache_clear()
    settings = get_settings()
    item = per_seconds(2, 60)
    assert [ratelimit.hit(settings, item, "flood", shared=False) for _ in range(3)] == [True, True, False]
    assert ratelimit.retry_after(settings, item, "flood", shared=False) >= 1
    with get_engine(url).connect() as conn:
        assert conn.execute(text("select count(*) from rate_limits")).scalar() == 0
    assert ratelimit.hit(settings, item, "shared") and ratelimit.hit(settings, item, "shared")
    with get_engine(url).connect() as conn:
        assert conn.execute(text("select count(*) from rate_limits")).scalar() == 1
    get_settings.cache_clear()
