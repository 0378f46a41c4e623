"""The Telegram adapter's application factory (shared by the entry point, the tests and the benchmark) and webhook mode."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from gateway.core.conversation import Conversations, forever
from gateway.core.messages import load_messages
from gateway.core.outbox import Outbox
from gateway.core.outbox_client import OutboxClient
from gateway.core.rasa_client import RasaClient
from gateway.core.ratelimit import RateLimiter
from gateway.core.webhook import webhook_app as core_webhook_app
from gateway.telegram.handlers import Handlers
from gateway.telegram.rendering import PayloadCache
from gateway.telegram.settings import GatewaySettings
from gateway.telegram.transport import TelegramTransport
from textnorm.commands import COMMAND_PAYLOADS

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def build_application(settings: GatewaySettings) -> Application:  # type: ignore[type-arg]
    """A PTB Application wired to the core (Rasa, outbox); nothing is contacted until it is initialised."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # PTB's coming durations (timedelta, no deprecation warning); read in push
    messages = load_messages()
    if not settings.dvc_gateway_token:
        log.warning("DVC_GATEWAY_TOKEN unset: Rasa's gateway channel will refuse every message")
    rasa = RasaClient(settings.rasa_url, settings.dvc_gateway_token, timeout=settings.telegram_rasa_timeout_seconds)
    outbox = OutboxClient(settings.dvc_api_url, settings.dvc_internal_token)
    tasks: list[asyncio.Task[None]] = []

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        commands = [BotCommand(name, description) for name, description in messages.commands.items()]
        try:
            await app.bot.set_my_commands(commands)
        except TelegramError as exc:
            log.warning("could not set the command menu: %s", exc)
        if settings.dvc_internal_token:
            poller = Outbox(transport, outbox, settings.telegram_outbox_interval_seconds)
            tasks.append(asyncio.create_task(forever("outbox", poller.deliver_once)))
        else:
            log.warning("DVC_INTERNAL_TOKEN unset: notifications will not be pushed to Telegram")

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await rasa.close()
        await outbox.close()

    app = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_file_url)
        .concurrent_updates(True)  # chats are served side by side; the core keeps each chat in order
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    payloads = PayloadCache()
    transport = TelegramTransport(app.bot, payloads)
    core = Conversations(transport, rasa, messages, RateLimiter(settings.telegram_rate_limit_per_minute))
    handlers = Handlers(core, payloads)
    app.bot_data["gateway"] = core  # the benchmarks reach the Rasa client through it
    app.add_handler(CommandHandler(list(COMMAND_PAYLOADS), handlers.on_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(CallbackQueryHandler(handlers.on_button))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_other))
    app.add_error_handler(handlers.on_error)
    return app


def webhook_app(app: Application, secret: str, path: str) -> Starlette:  # type: ignore[type-arg]
    """The core's webhook receiver, checking Telegram's secret_token header and queueing the update for PTB."""

    async def accept(data: dict[str, Any]) -> bool:
        try:
            update = Update.de_json(data, app.bot)
        except (ValueError, KeyError, TypeError):
            return False
        await app.update_queue.put(update)
        return True

    return core_webhook_app(accept, SECRET_HEADER, secret, path)


async def run_webhook(app: Application, settings: GatewaySettings) -> None:  # type: ignore[type-arg]
    """Webhook mode: register the URL with its secret, then serve it until stopped."""
    path = urlsplit(settings.telegram_webhook_url).path or "/"
    server = uvicorn.Server(
        uvicorn.Config(
            webhook_app(app, settings.telegram_webhook_secret, path),
            host=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            log_level="warning",
        )
    )
    async with app:
        if app.post_init is not None:
            await app.post_init(app)
        await app.bot.set_webhook(
            settings.telegram_webhook_url, secret_token=settings.telegram_webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        await app.start()
        try:
            await server.serve()
        finally:
            await app.stop()
            if app.post_shutdown is not None:
                await app.post_shutdown(app)
