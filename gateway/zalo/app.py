"""The Zalo gateway: updates from long polling or the webhook become core turns; the outbox pushes to Zalo chats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from starlette.applications import Starlette

from gateway.core.conversation import Conversations, forever
from gateway.core.messages import load_messages
from gateway.core.outbox import Outbox, RateLimited, TemporaryFailure, Undeliverable
from gateway.core.outbox_client import OutboxClient
from gateway.core.rasa_client import RasaClient
from gateway.core.ratelimit import RateLimiter
from gateway.core.rendering import NumberedMenus
from gateway.core.webhook import webhook_app
from gateway.zalo.bot_api import SECRET_HEADER, TEXT_LIMIT, ZaloBotApi
from gateway.zalo.settings import ZaloSettings
from gateway.zalo.transport import ZaloSender, ZaloTransport

log = logging.getLogger(__name__)
TEXT_EVENT = "message.text.received"


class ZaloGateway:
    """One Zalo bot: the core's conversations, the way updates arrive, and the outbox poller."""

    def __init__(self, settings: ZaloSettings, api: ZaloSender | None = None, text_limit: int = TEXT_LIMIT) -> None:
        self.settings = settings
        self.bot = ZaloBotApi(settings.zalo_api_base_url, settings.zalo_bot_token)
        messages = load_messages()
        if not settings.dvc_gateway_token:
            log.warning("DVC_GATEWAY_TOKEN unset: Rasa's gateway channel will refuse every message")
        self.rasa = RasaClient(settings.rasa_url, settings.dvc_gateway_token, timeout=settings.zalo_rasa_timeout_seconds)
        self.outbox = OutboxClient(settings.dvc_api_url, settings.dvc_internal_token)
        self.transport = ZaloTransport(api or self.bot, NumberedMenus(), messages.menu_hint, text_limit)
        self.core = Conversations(self.transport, self.rasa, messages, RateLimiter(settings.zalo_rate_limit_per_minute))
        self._tasks: set[asyncio.Task[None]] = set()
        self._background: list[asyncio.Task[None]] = []

    async def handle(self, update: dict[str, Any]) -> bool:
        """One update: a text (command, numbered choice or question) is a turn; anything else gets a polite note."""
        message = update.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        chat_id = str(chat.get("id") or "") if isinstance(chat, dict) else ""
        if not isinstance(message, dict) or not chat_id:
            return False
        text = message.get("text")
        if update.get("event_name", TEXT_EVENT) != TEXT_EVENT or not isinstance(text, str) or not text.strip():
            await self._guarded(chat_id, self.core.say(chat_id, self.core.messages.not_text))
            return True
        payload = self.core.command_payload(text) or self.transport.menus.pick(chat_id, text)
        await self._guarded(chat_id, self.core.converse(chat_id, payload or text))
        return True

    async def _guarded(self, chat: str, turn: Any) -> None:
        """Run a turn; a failure to send is logged, and the chat told when it still can be."""
        try:
            await turn
        except (Undeliverable, RateLimited, TemporaryFailure) as exc:
            log.warning("a zalo reply was not sent: %s", exc)
        except Exception:
            log.exception("zalo update failed")
            with contextlib.suppress(Undeliverable, RateLimited, TemporaryFailure):
                await self.core.say(chat, self.core.messages.rasa_down)

    def dispatch(self, update: dict[str, Any]) -> None:
        """Handle an update in its own task (chats side by side; the core keeps each chat in order)."""
        task = asyncio.create_task(self._handle_quietly(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle_quietly(self, update: dict[str, Any]) -> None:
        await self.handle(update)

    async def poll_once(self) -> float:
        """One long poll; returns the pause before the next (none after updates, longer after a failure)."""
        try:
            updates = await self.bot.get_updates(self.settings.zalo_poll_timeout_seconds)
        except RateLimited as exc:
            return exc.retry_after
        except (TemporaryFailure, Undeliverable) as exc:
            log.warning("zalo getUpdates failed: %s", exc)
            return 1.0
        for update in updates:
            self.dispatch(update)
        return 0.0

    async def start(self, polling: bool = True) -> None:
        """Start the outbox poller (when the internal token is set) and, unless in webhook mode, long polling."""
        if self.settings.dvc_internal_token:
            poller = Outbox(self.transport, self.outbox, self.settings.zalo_outbox_interval_seconds)
            self._spawn(forever("outbox", poller.deliver_once))
        else:
            log.warning("DVC_INTERNAL_TOKEN unset: notifications will not be pushed to Zalo")
        if polling:
            self._spawn(forever("zalo polling", self.poll_once))

    def _spawn(self, coro: Any) -> None:
        self._background.append(asyncio.create_task(coro))

    async def stop(self) -> None:
        """Cancel the loops and the turns in flight, release the connections."""
        for task in [*self._background, *self._tasks]:
            task.cancel()
        for task in [*self._background, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background.clear()
        await self.rasa.close()
        await self.outbox.close()
        await self.bot.close()

    def webhook(self, path: str) -> Starlette:
        """The webhook receiver: Zalo's POSTs with the secret header, each update handled in its own task."""

        async def accept(data: dict[str, Any]) -> bool:
            update = data.get("result", data)  # the update itself, or wrapped as getUpdates returns it
            if not isinstance(update, dict) or not isinstance(update.get("message"), dict):
                return False
            self.dispatch(update)
            return True

        return webhook_app(accept, SECRET_HEADER, self.settings.zalo_webhook_secret, path)


async def run(settings: ZaloSettings) -> None:
    """Long polling by default; webhook mode (set, then served) when ZALO_WEBHOOK_URL is set."""
    gateway = ZaloGateway(settings)
    webhook = bool(settings.zalo_webhook_url)
    try:
        if webhook:
            await gateway.bot.set_webhook(settings.zalo_webhook_url, settings.zalo_webhook_secret)
        else:
            with contextlib.suppress(Undeliverable, TemporaryFailure):
                await gateway.bot.delete_webhook()
        await gateway.start(polling=not webhook)
        if webhook:
            path = urlsplit(settings.zalo_webhook_url).path or "/"
            config = uvicorn.Config(
                gateway.webhook(path), host=settings.zalo_webhook_listen, port=settings.zalo_webhook_port, log_level="warning"
            )
            await uvicorn.Server(config).serve()
        else:
            await asyncio.Event().wait()  # until cancelled (Ctrl-C)
    finally:
        await gateway.stop()
