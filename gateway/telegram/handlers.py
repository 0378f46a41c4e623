"""Telegram update handlers: text, commands and button presses go to Rasa; replies come back as plain text."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator

from telegram import Bot, LinkPreviewOptions, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from gateway.telegram.commands import COMMAND_PAYLOADS
from gateway.telegram.messages import Messages
from gateway.telegram.rasa_client import RasaClient, RasaUnavailable
from gateway.telegram.ratelimit import RateLimiter
from gateway.telegram.rendering import PayloadCache, render

log = logging.getLogger(__name__)
TYPING_EVERY = 4.0  # seconds; Telegram shows "typing…" for about five
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Gateway:
    """The state the handlers share: the Rasa client, the button payload cache, the rate limit, the texts."""

    def __init__(self, rasa: RasaClient, messages: Messages, limiter: RateLimiter) -> None:
        self.rasa = rasa
        self.messages = messages
        self.limiter = limiter
        self.payloads = PayloadCache()
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: forward it as is."""
        message = update.effective_message
        if message is None or update.effective_chat is None:
            return
        if not message.text:
            await context.bot.send_message(update.effective_chat.id, self.messages.not_text)
            return
        await self.converse(context.bot, update.effective_chat.id, message.text)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, /help, /huy, /tracuu, /hoc → the payloads of docs/contracts.md."""
        message = update.effective_message
        if message is None or update.effective_chat is None or not message.text:
            return
        command = message.text.split()[0][1:].split("@")[0].lower()
        payload = COMMAND_PAYLOADS.get(command)
        if payload is not None:
            await self.converse(context.bot, update.effective_chat.id, payload)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A press on an inline keyboard: answer the query at once, then send the button's payload."""
        query = update.callback_query
        if query is None:
            return
        with contextlib.suppress(TelegramError):
            await query.answer()
        chat = update.effective_chat
        if chat is None:
            return
        payload = self.payloads.decode(query.data or "")
        if payload is None:
            await context.bot.send_message(chat.id, self.messages.button_expired)
            return
        await self.converse(context.bot, chat.id, payload)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice: say politely that only text is understood."""
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, self.messages.not_text)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: log it, and tell the chat (if any) instead of leaving it waiting."""
        log.error("update failed: %r", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(update.effective_chat.id, self.messages.rasa_down)

    async def converse(self, bot: Bot, chat_id: int, text: str) -> None:
        """One turn for one chat: rate limit, typing indicator, Rasa, rendered replies (in order per chat)."""
        if not self.limiter.allow(chat_id):
            if self.limiter.should_warn(chat_id):
                await bot.send_message(chat_id, self.messages.rate_limited)
            return
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        async with lock:
            try:
                async with typing(bot, chat_id):
                    replies = await self.rasa.send(f"telegram:{chat_id}", text)
            except RasaUnavailable as exc:
                log.warning("rasa unavailable for chat %s: %s", chat_id, exc)
                await bot.send_message(chat_id, self.messages.rasa_down)
                return
            outgoing = render(replies, self.payloads)
            if not outgoing:
                await bot.send_message(chat_id, self.messages.empty_reply)
            for item in outgoing:
                await bot.send_message(chat_id, item.text, reply_markup=item.keyboard, link_preview_options=NO_PREVIEW)


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in the chat for as long as the block runs."""

    async def keep_typing() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            await asyncio.sleep(TYPING_EVERY)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
