"""Turn Rasa's REST messages into Telegram messages: plain text (never markup), inline keyboards, safe sizes."""

from __future__ import annotations

import itertools
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit
ROW_WIDTH = 34  # characters per keyboard row on a phone, counting BUTTON_PADDING per button
BUTTON_PADDING = 3
ROW_BUTTONS = 5  # e.g. the five rating buttons on one row


@dataclass(frozen=True)
class Outgoing:
    """One Telegram message to send: plain text (no parse mode) and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


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


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split under `limit` characters, at line boundaries when possible, then at spaces, then anywhere."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line too long on its own
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:cut])
            line = line[cut:].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [c for c in chunks if c.strip()]


def keyboard(buttons: list[dict[str, Any]], cache: PayloadCache) -> InlineKeyboardMarkup | None:
    """Inline keyboard from Rasa buttons: short titles share a row, links open as URL buttons."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    width = 0
    for button in buttons:
        title = str(button.get("title") or "").strip()
        payload = str(button.get("payload") or "").strip()
        if not title or not payload:
            continue
        if payload.startswith(("http://", "https://")):
            item = InlineKeyboardButton(title, url=payload)
        else:
            item = InlineKeyboardButton(title, callback_data=cache.encode(payload))
        size = len(title) + BUTTON_PADDING
        if row and (width + size > ROW_WIDTH or len(row) >= ROW_BUTTONS):
            rows.append(row)
            row, width = [], 0
        row.append(item)
        width += size
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


def render(messages: list[dict[str, Any]], cache: PayloadCache) -> list[Outgoing]:
    """Rasa messages → Telegram messages; the keyboard goes on the last part of its message."""
    out: list[Outgoing] = []
    for message in messages:
        text = str(message.get("text") or "")
        if message.get("image"):
            text = f"{text}\n{message['image']}".strip()
        markup = keyboard(list(message.get("buttons") or []), cache)
        parts = split_text(text)
        if not parts and markup is not None:
            if out and out[-1].keyboard is None:  # buttons without text: attach to the previous message
                out[-1] = Outgoing(out[-1].text, markup)
                continue
            parts = ["…"]
        for index, part in enumerate(parts):
            out.append(Outgoing(part, markup if index == len(parts) - 1 else None))
    return out
