"""Buttons as Telegram inline keyboards: payloads as callback_data of at most 64 bytes, links as URL buttons."""

from __future__ import annotations

import itertools
from collections import OrderedDict

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from gateway.core.rendering import Button

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit


class PayloadCache:
    """Maps Rasa payloads to callback_data of at most 64 bytes; long payloads get a short id (bounded LRU)."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._by_id: OrderedDict[str, str] = OrderedDict()
        self._by_payload: dict[str, str] = {}
        self._ids = itertools.count(1)

    def encode(self, payload: str) -> str:
        """`p:<payload>` when it fits, else `k:<id>` remembered here."""
        direct = f"p:{payload}"
        if len(direct.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            return direct
        key = self._by_payload.get(payload)
        if key is None:
            key = format(next(self._ids), "x")
            self._by_payload[payload] = key
        self._by_id[key] = payload
        self._by_id.move_to_end(key)
        while len(self._by_id) > self.size:
            _, old = self._by_id.popitem(last=False)
            self._by_payload.pop(old, None)
        return f"k:{key}"

    def decode(self, data: str) -> str | None:
        """The payload behind callback_data, or None when it is unknown (e.g. after a restart)."""
        if data.startswith("p:"):
            return data[2:]
        if data.startswith("k:"):
            return self._by_id.get(data[2:])
        return None


def button(item: Button, cache: PayloadCache) -> InlineKeyboardButton:
    """A link opens as a URL button; anything else sends its payload back as callback_data."""
    if item.is_link:
        return InlineKeyboardButton(item.title, url=item.payload)
    return InlineKeyboardButton(item.title, callback_data=cache.encode(item.payload))


def keyboard(rows: tuple[tuple[Button, ...], ...], cache: PayloadCache) -> InlineKeyboardMarkup | None:
    """The core's button rows as an inline keyboard (None without buttons)."""
    return InlineKeyboardMarkup([[button(b, cache) for b in row] for row in rows]) if rows else None
