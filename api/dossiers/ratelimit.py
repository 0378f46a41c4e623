"""Sliding-window rate limits: in-process by default, in Redis when DVC_REDIS_URL is set (several workers)."""

from __future__ import annotations

import functools
import math
import secrets
import threading
import time
from collections import deque
from typing import Protocol

import redis


class RateLimiter(Protocol):
    """Allows at most `limit` hits per `window` seconds per key."""

    def hit(self, key: str) -> float:
        """Record a hit; 0 when allowed, else the seconds to wait before the next one is allowed."""


class MemoryRateLimiter:
    """Per-process sliding window log (one deque of timestamps per key)."""

    def __init__(self, limit: int, window: float) -> None:
        """Keep at most `limit` timestamps per key."""
        self.limit, self.window = limit, window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """See RateLimiter.hit."""
        at = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= at - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - at
            hits.append(at)
            if len(self._hits) > 100_000:  # forget idle keys so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > at - self.window}
            return 0.0


class RedisRateLimiter:
    """Sliding window log in a Redis sorted set per key, shared by every API worker."""

    _SCRIPT = """
    local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    if redis.call('ZCARD', key) >= limit then
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      return tostring(tonumber(oldest[2]) + window - now)
    end
    redis.call('ZADD', key, now, member)
    redis.call('PEXPIRE', key, math.ceil(window * 1000))
    return '0'
    """

    def __init__(self, client: redis.Redis, limit: int, window: float, prefix: str = "dvc:rl:") -> None:
        """Keys are `prefix + key`; the script is registered once."""
        self.client, self.limit, self.window, self.prefix = client, limit, window, prefix
        self._script = client.register_script(self._SCRIPT)

    def hit(self, key: str) -> float:
        """See RateLimiter.hit (atomic in Redis, so concurrent workers never over-admit)."""
        result = self._script(keys=[self.prefix + key], args=[time.time(), self.window, self.limit, secrets.token_hex(8)])
        return max(0.0, float(result.decode() if isinstance(result, bytes) else result))


def retry_after_header(wait: float) -> str:
    """Whole seconds for the Retry-After header, at least 1."""
    return str(max(1, math.ceil(wait)))


@functools.lru_cache(maxsize=8)
def limiter_for(redis_url: str | None, limit: int, window: float, prefix: str) -> RateLimiter:
    """One limiter per configuration, created on first use (no connection at import time)."""
    if redis_url:
        return RedisRateLimiter(redis.Redis.from_url(redis_url, socket_timeout=2), limit, window, prefix)
    return MemoryRateLimiter(limit, window)
