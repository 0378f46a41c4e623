"""Rate limits with the `limits` library, counted in a store every API worker shares.

The API runs several uvicorn workers, so an in-process counter would give each worker its own allowance.
With DVC_REDIS_URL the counters live in Redis (`limits`' own RedisStorage). Without it they live in the API's
database: `limits` has no SQL storage, so DatabaseStorage below implements the four operations its fixed-window
strategy needs with one atomic upsert (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, PostgreSQL and SQLite).
An unreachable Redis falls back to the database rather than to no limit at all.
"""

from __future__ import annotations

import functools
import logging
import math
import random
import time
from typing import ClassVar, cast

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Float, Integer, String, Table, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from api.db import get_engine
from api.models import Base
from api.settings import Settings

log = logging.getLogger(__name__)


class RateLimitRow(Base):
    """One fixed-window counter: `count` hits until `expires_at` (Unix seconds)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


LIMITS = cast(Table, RateLimitRow.__table__)


class DatabaseStorage(Storage):
    """A `limits` storage on the API's database (SQLite or PostgreSQL), shared by every worker process."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["dvc+database"]  # type: ignore[misc]

    def __init__(self, database_url: str) -> None:
        """Counters go to the `rate_limits` table of this database (created by the migrations)."""
        super().__init__(database_url)
        self.database_url = database_url

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What a failing database raises."""
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's window (a new window once the last one expired); the new count, atomically."""
        engine = get_engine(self.database_url)
        at = time.time()
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        fresh = LIMITS.c.expires_at <= at
        statement = (
            insert(LIMITS)
            .values(key=key, count=max(amount, 0), expires_at=at + expiry)
            .on_conflict_do_update(
                index_elements=[LIMITS.c.key],
                set_={  # a negative amount (hits given back) never takes a count below 0
                    "count": case((fresh, max(amount, 0)), (LIMITS.c.count + amount < 0, 0), else_=LIMITS.c.count + amount),
                    "expires_at": case((fresh, at + expiry), else_=LIMITS.c.expires_at),
                },
            )
            .returning(LIMITS.c.count)
        )
        with engine.begin() as conn:
            count = int(conn.execute(statement).scalar_one())
            if random.random() < 0.01:  # forget expired windows now and then (their keys name client addresses)
                conn.execute(delete(LIMITS).where(LIMITS.c.expires_at < at))
        return count

    def get(self, key: str) -> int:
        """The key's count in its current window (0 when none)."""
        with get_engine(self.database_url).connect() as conn:
            value = conn.scalar(select(LIMITS.c.count).where(LIMITS.c.key == key, LIMITS.c.expires_at > time.time()))
        return int(value or 0)

    def get_expiry(self, key: str) -> float:
        """When the key's window ends (Unix seconds; now when there is none)."""
        with get_engine(self.database_url).connect() as conn:
            value = conn.scalar(select(LIMITS.c.expires_at).where(LIMITS.c.key == key))
        return float(value) if value is not None else time.time()

    def check(self) -> bool:
        """True when the database answers."""
        try:
            with get_engine(self.database_url).connect() as conn:
                conn.scalar(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; how many there were."""
        with get_engine(self.database_url).begin() as conn:
            return int(conn.execute(delete(LIMITS)).rowcount)

    def clear(self, key: str) -> None:
        """Forget one counter."""
        with get_engine(self.database_url).begin() as conn:
            conn.execute(delete(LIMITS).where(LIMITS.c.key == key))


@functools.lru_cache(maxsize=8)
def _limiter(redis_url: str | None, prefix: str, database_url: str | None) -> FixedWindowRateLimiter:
    """One limiter per configuration, created on first use (nothing connects at import time).

    No database URL means a per-process count (`limits`' MemoryStorage), for limits on a hot path that only
    slow a flood down; anything that guards a secret is counted in a shared store.
    """
    if redis_url:
        return FixedWindowRateLimiter(RedisStorage(redis_url, key_prefix=prefix.rstrip(":"), socket_timeout=2))
    if database_url is None:
        return FixedWindowRateLimiter(MemoryStorage())
    return FixedWindowRateLimiter(DatabaseStorage(database_url))


def _store(settings: Settings, shared: bool) -> str | None:
    """The database URL for a shared count, None for a per-process one (see _limiter)."""
    return settings.database_url if shared else None


def per_seconds(amount: int, seconds: int) -> RateLimitItem:
    """`amount` hits per `seconds`, in a namespace of its own."""
    return RateLimitItemPerSecond(amount, seconds)


def hit(settings: Settings, item: RateLimitItem, key: str, cost: int = 1, shared: bool = True) -> bool:
    """Count `cost` hits on `key`; False when that went over the limit (a negative cost gives hits back).

    `shared=False`: without Redis, each worker counts on its own instead of writing to the database.
    """
    store = _store(settings, shared)
    try:
        return _limiter(settings.redis_url, settings.redis_prefix, store).hit(item, key, cost=cost)
    except Exception as exc:  # Redis down or misconfigured: the database still limits
        if not settings.redis_url:
            raise
        log.warning("rate limiter: Redis unavailable (%s), counting in the database", type(exc).__name__)
        return _limiter(None, settings.redis_prefix, store).hit(item, key, cost=cost)


def retry_after(settings: Settings, item: RateLimitItem, key: str, shared: bool = True) -> int:
    """Whole seconds until the key's window ends (at least 1), for the Retry-After header."""
    store = _store(settings, shared)
    try:
        stats = _limiter(settings.redis_url, settings.redis_prefix, store).get_window_stats(item, key)
    except Exception:  # the same fallback as hit()
        stats = _limiter(None, settings.redis_prefix, store).get_window_stats(item, key)
    return max(1, math.ceil(stats.reset_time - time.time()))
