"""How the core's replies and pushes reach Telegram (python-telegram-bot's Bot over the Bot API)."""

from __future__ import annotations

import contextlib

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from gateway.core.outbox import RateLimited, TemporaryFailure, Undeliverable
from gateway.core.rendering import Reply
from gateway.telegram.rendering import TELEGRAM_TEXT_LIMIT, PayloadCache, keyboard

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramTransport:
    """Sends plain text (no parse mode: markup is shown, never run) with inline keyboards."""

    channel = "telegram"
    text_limit = TELEGRAM_TEXT_LIMIT

    def __init__(self, bot: Bot, payloads: PayloadCache) -> None:
        self.bot = bot
        self.payloads = payloads

    async def send(self, chat: str, reply: Reply) -> None:
        markup = keyboard(reply.rows, self.payloads)
        await self.bot.send_message(int(chat), reply.text, reply_markup=markup, link_preview_options=NO_PREVIEW)

    async def typing(self, chat: str) -> None:
        with contextlib.suppress(TelegramError):
            await self.bot.send_chat_action(int(chat), ChatAction.TYPING)

    async def push(self, chat: str, text: str) -> None:
        """One notification part; Telegram's refusals mapped to the core's outcomes."""
        try:
            await self.bot.send_message(int(chat), text, link_preview_options=NO_PREVIEW)
        except (Forbidden, BadRequest) as exc:
            raise Undeliverable(str(exc)) from exc
        except RetryAfter as exc:
            after = exc.retry_after
            raise RateLimited(after if isinstance(after, int | float) else after.total_seconds()) from exc
        except TelegramError as exc:
            raise TemporaryFailure(str(exc)) from exc
