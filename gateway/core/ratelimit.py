"""A per-chat sliding-window rate limit, so one chat cannot flood Rasa."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Allows `limit` messages per `window` seconds per chat; remembers whether the chat was warned."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._warned: dict[str, float] = {}

    def allow(self, chat_id: str) -> bool:
        """Record one message; False when the chat is over its limit."""
        now = self.clock()
        hits = self._hits.setdefault(chat_id, deque())
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        self._warned.pop(chat_id, None)
        if len(self._hits) > 10_000:  # forget idle chats so memory stays bounded
            self._forget_idle(now)
        return True

    def should_warn(self, chat_id: str) -> bool:
        """True once per window while a chat stays over its limit (one polite message, not one per message)."""
        now = self.clock()
        last = self._warned.get(chat_id)
        if last is not None and now - last < self.window:
            return False
        self._warned[chat_id] = now
        return True

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c, h in self._hits.items() if not h or now - h[-1] >= self.window]:
            del self._hits[chat_id]
