"""How the core's replies and pushes reach Zalo: plain text, buttons as a numbered list answered by its number."""

from __future__ import annotations

import contextlib
import logging
from typing import Protocol

from gateway.core.outbox import RateLimited, TemporaryFailure, Undeliverable
from gateway.core.rendering import NumberedMenus, Reply

log = logging.getLogger(__name__)


class ZaloSender(Protocol):
    """What the transport needs from a Zalo API: the Bot Platform (bot_api.py) or an Official Account (oa.py)."""

    async def send_message(self, chat: str, text: str) -> None: ...

    async def send_typing(self, chat: str) -> None: ...


class ZaloTransport:
    """Sends text; Zalo has no inline keyboards for bots, so buttons become `1. …` lines the chat answers by number."""

    channel = "zalo"

    def __init__(self, api: ZaloSender, menus: NumberedMenus, menu_hint: str, text_limit: int) -> None:
        self.api = api
        self.menus = menus
        self.menu_hint = menu_hint
        self.text_limit = text_limit

    async def send(self, chat: str, reply: Reply) -> None:
        text = self.menus.text(chat, reply, self.menu_hint)
        if len(text) <= self.text_limit:
            await self.api.send_message(chat, text)
            return
        await self.api.send_message(chat, reply.text)  # the core kept the text under the limit; the menu follows
        await self.api.send_message(chat, self.menus.text(chat, Reply("", reply.rows), self.menu_hint).strip()[: self.text_limit])

    async def typing(self, chat: str) -> None:
        with contextlib.suppress(Undeliverable, RateLimited, TemporaryFailure):
            await self.api.send_typing(chat)

    async def push(self, chat: str, text: str) -> None:
        """One notification part (the API's failures are already the core's outcomes)."""
        await self.api.send_message(chat, text)
