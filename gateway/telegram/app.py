"""The application factory (shared by the process entry point, the tests and the benchmark) and webhook mode."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from gateway.telegram.api_client import OutboxClient
from gateway.telegram.commands import COMMAND_PAYLOADS
from gateway.telegram.handlers import Gateway
from gateway.telegram.messages import load_messages
from gateway.telegram.outbox import run_poller
from gateway.telegram.rasa_client import RasaClient
from gateway.telegram.ratelimit import RateLimiter
from gateway.telegram.settings import GatewaySettings
from textnorm.channels import MAX_BODY_BYTES

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def build_application(settings: GatewaySettings) -> Application:  # type: ignore[type-arg]
    """A PTB Application wired to Rasa and the outbox; nothing is contacted until it is initialised."""
    messages = load_messages()
    if not settings.dvc_gateway_token:
        log.warning("DVC_GATEWAY_TOKEN unset: Rasa's gateway channel will refuse every message")
    rasa = RasaClient(settings.rasa_url, settings.dvc_gateway_token, timeout=settings.telegram_rasa_timeout_seconds)
    gateway = Gateway(rasa, messages, RateLimiter(settings.telegram_rate_limit_per_minute))
    outbox = OutboxClient(settings.dvc_api_url, settings.dvc_internal_token)
    tasks: list[asyncio.Task[None]] = []

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        commands = [BotCommand(name, description) for name, description in messages.commands.items()]
        try:
            await app.bot.set_my_commands(commands)
        except TelegramError as exc:
            log.warning("could not set the command menu: %s", exc)
        if settings.dvc_internal_token:
            tasks.append(asyncio.create_task(run_poller(app.bot, outbox, settings.telegram_outbox_interval_seconds)))
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
        .concurrent_updates(True)  # chats are served side by side; Gateway keeps each chat in order
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["gateway"] = gateway
    app.add_handler(CommandHandler(list(COMMAND_PAYLOADS), gateway.on_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, gateway.on_text))
    app.add_handler(CallbackQueryHandler(gateway.on_button))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.StatusUpdate.ALL, gateway.on_other))
    app.add_error_handler(gateway.on_error)
    return app


def webhook_app(app: Application, secret: str, path: str) -> Starlette:  # type: ignore[type-arg]
    """A tiny ASGI app that accepts Telegram's POSTs only with the right secret_token header."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        body = bytearray()
        async for chunk in request.stream():  # read no more than the channels' body cap
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return Response(status_code=413)
        try:
            update = Update.de_json(json.loads(body), app.bot)
        except (ValueError, KeyError, TypeError):
            return Response(status_code=400)
        await app.update_queue.put(update)
        return Response(status_code=200)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])


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
