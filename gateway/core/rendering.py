"""Rasa's REST messages as chat messages any channel can send: plain text parts under the channel's size limit,
buttons laid out in rows (a channel draws them as a keyboard, or as a numbered list typed back as a number)."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

ROW_WIDTH = 34  # characters per keyboard row on a phone, counting BUTTON_PADDING per button
BUTTON_PADDING = 3
ROW_BUTTONS = 5  # e.g. the five rating buttons on one row


@dataclass(frozen=True)
class Button:
    """One button: a Rasa payload to send back, or a link to open."""

    title: str
    payload: str

    @property
    def is_link(self) -> bool:
        return self.payload.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Reply:
    """One message to send: plain text (never markup) and the button rows that go with it."""

    text: str
    rows: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)

    @property
    def buttons(self) -> list[Button]:
        return [b for row in self.rows for b in row]


def split_text(text: str, limit: int) -> list[str]:
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


def layout(buttons: list[dict[str, Any]]) -> tuple[tuple[Button, ...], ...]:
    """Rasa buttons in rows: short titles share a row (up to ROW_BUTTONS), untitled or empty ones are dropped."""
    rows: list[tuple[Button, ...]] = []
    row: list[Button] = []
    width = 0
    for raw in buttons:
        title = str(raw.get("title") or "").strip()
        payload = str(raw.get("payload") or "").strip()
        if not title or not payload:
            continue
        size = len(title) + BUTTON_PADDING
        if row and (width + size > ROW_WIDTH or len(row) >= ROW_BUTTONS):
            rows.append(tuple(row))
            row, width = [], 0
        row.append(Button(title, payload))
        width += size
    if row:
        rows.append(tuple(row))
    return tuple(rows)


def render(messages: list[dict[str, Any]], limit: int) -> list[Reply]:
    """Rasa messages → replies of at most `limit` characters; the buttons go on the last part of their message."""
    out: list[Reply] = []
    for message in messages:
        text = str(message.get("text") or "")
        if message.get("image"):
            text = f"{text}\n{message['image']}".strip()
        rows = layout(list(message.get("buttons") or []))
        parts = split_text(text, limit)
        if not parts and rows:
            if out and not out[-1].rows:  # buttons without text: attach to the previous message
                out[-1] = Reply(out[-1].text, rows)
                continue
            parts = ["…"]
        for index, part in enumerate(parts):
            out.append(Reply(part, rows if index == len(parts) - 1 else ()))
    return out


NUMBER = re.compile(r"\s*(\d{1,2})\s*[.)]?\s*")


class NumberedMenus:
    """Buttons as text for channels without keyboards: `1. Lệ phí`; the chat types `1` and gets that payload.

    One menu per chat (the latest), bounded LRU; a number beyond the menu is read as ordinary text.
    """

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._menus: OrderedDict[str, list[Button]] = OrderedDict()

    def text(self, chat: str, reply: Reply, hint: str) -> str:
        """The reply's text with its buttons listed under it (links shown as their address); remembered for `chat`."""
        buttons = reply.buttons
        if not buttons:
            return reply.text
        self._menus[chat] = buttons
        self._menus.move_to_end(chat)
        while len(self._menus) > self.size:
            self._menus.popitem(last=False)
        lines = [f"{i}. {b.title}" + (f": {b.payload}" if b.is_link else "") for i, b in enumerate(buttons, 1)]
        return "\n".join([reply.text, "", hint, *lines])

    def pick(self, chat: str, typed: str) -> str | None:
        """The payload of the button the chat chose by typing its number, or None when the text is not a choice."""
        match = NUMBER.fullmatch(typed)
        menu = self._menus.get(chat)
        if match is None or menu is None:
            return None
        index = int(match.group(1)) - 1
        if not 0 <= index < len(menu) or menu[index].is_link:
            return None
        return menu[index].payload
