"""Telegram update handlers: text, commands and button presses become core turns; everything else a polite note."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from gateway.core.conversation import Conversations
from gateway.telegram.rendering import PayloadCache

log = logging.getLogger(__name__)


class Handlers:
    """The PTB callbacks; the conversation itself is the shared core's."""

    def __init__(self, core: Conversations, payloads: PayloadCache) -> None:
        self.core = core
        self.payloads = payloads

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message: forward it as is."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None:
            return
        if not message.text:
            await self.core.say(str(chat.id), self.core.messages.not_text)
            return
        await self.core.converse(str(chat.id), message.text)

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start, /help, /huy, /tracuu, /hoc → the payloads of docs/contracts.md."""
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or not message.text:
            return
        payload = self.core.command_payload(message.text)
        if payload is not None:
            await self.core.converse(str(chat.id), payload)

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
            await self.core.say(str(chat.id), self.core.messages.button_expired)
            return
        await self.core.converse(str(chat.id), payload)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice: say politely that only text is understood."""
        if update.effective_chat is not None:
            await self.core.say(str(update.effective_chat.id), self.core.messages.not_text)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one error handler: log it, and tell the chat (if any) instead of leaving it waiting."""
        log.error("update failed: %r", context.error, exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await self.core.say(str(update.effective_chat.id), self.core.messages.rasa_down)
