"""Every gateway adapter behind one test interface, so one behaviour suite runs for each (and the benchmark too)."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from typing import Any, Protocol

from gateway.core.conversation import Conversations
from gateway.core.messages import load_messages
from gateway.telegram.rendering import TELEGRAM_TEXT_LIMIT
from gateway.zalo.app import ZaloGateway
from gateway.zalo.bot_api import TEXT_LIMIT as ZALO_TEXT_LIMIT
from gateway.zalo.settings import ZaloSettings
from tests import servers
from tests.gateway.fake_bot_api import FakeBotApi, button_update, running_fake_bot_api, text_update
from tests.gateway.fake_zalo_api import TOKEN, FakeZaloApi, running_fake_zalo_api, zalo_sticker, zalo_text
from tests.gateway.harness import gateway_settings, running_gateway

MENU_LINE = re.compile(r"^(\d+)\. (.+)$")
_numbers = itertools.count(930_000_001)


class Adapter(Protocol):
    """A running fake platform and how to drive the real adapter against it (`running` yields its core)."""

    channel: str
    text_limit: int

    def new_chat(self) -> str: ...
    def running(self, rasa_url: str, **extra: Any) -> AbstractAsyncContextManager[Conversations]: ...
    def say(self, chat: str, text: str) -> None: ...
    def sticker(self, chat: str) -> None: ...
    def texts(self, chat: str) -> list[str]: ...
    def choices(self, chat: str) -> list[str]: ...
    def press(self, chat: str, title: str) -> None: ...
    def fail_sends(self, chat: str, failing: bool) -> None: ...
    def throttle(self, count: int) -> None: ...
    async def wait_for(self, check: Callable[[], bool], timeout: float = 60.0) -> None: ...


def generic(prefix: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Shared option names (rate_limit, rasa_timeout, outbox_interval) → the adapter's own settings."""
    names = {
        "rate_limit": "rate_limit_per_minute",
        "rasa_timeout": "rasa_timeout_seconds",
        "outbox_interval": "outbox_interval_seconds",
    }
    return {f"{prefix}_{names[k]}" if k in names else k: v for k, v in extra.items()}


class TelegramAdapter:
    """python-telegram-bot against the fake Bot API; buttons are inline keyboards."""

    channel = "telegram"
    text_limit = TELEGRAM_TEXT_LIMIT

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake

    def new_chat(self) -> str:
        return str(next(_numbers))

    @asynccontextmanager
    async def running(self, rasa_url: str, **extra: Any) -> AsyncIterator[Conversations]:
        async with running_gateway(gateway_settings(self.fake.base_url, rasa_url, **generic("telegram", extra))) as app:
            yield app.bot_data["gateway"]

    def say(self, chat: str, text: str) -> None:
        self.fake.inject(text_update(int(chat), text))

    def sticker(self, chat: str) -> None:
        update = text_update(int(chat), "x")
        del update["message"]["text"]
        sticker = {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "type": "regular"}
        update["message"]["sticker"] = {**sticker, "is_animated": False, "is_video": False}
        self.fake.inject(update)

    def _sent(self, chat: str) -> list[dict[str, Any]]:
        return self.fake.sent(int(chat))

    def texts(self, chat: str) -> list[str]:
        return [str(m["text"]) for m in self._sent(chat)]

    def _buttons(self, chat: str) -> list[dict[str, Any]]:
        last = [m for m in self._sent(chat) if (m.get("reply_markup") or {}).get("inline_keyboard")]
        return [b for row in last[-1]["reply_markup"]["inline_keyboard"] for b in row] if last else []

    def choices(self, chat: str) -> list[str]:
        return [str(b["text"]) for b in self._buttons(chat) if "callback_data" in b]

    def press(self, chat: str, title: str) -> None:
        button = next(b for b in self._buttons(chat) if b["text"] == title)
        self.fake.inject(button_update(int(chat), button["callback_data"]))

    def fail_sends(self, chat: str, failing: bool) -> None:
        (self.fake.fail_send_for.add if failing else self.fake.fail_send_for.discard)(int(chat))

    def throttle(self, count: int) -> None:
        self.fake.throttle = count

    async def wait_for(self, check: Callable[[], bool], timeout: float = 60.0) -> None:
        await self.fake.wait_for(check, timeout)


class ZaloAdapter:
    """The Zalo adapter (plain httpx) against the fake Zalo Bot Platform; buttons are numbered lines."""

    channel = "zalo"
    text_limit = ZALO_TEXT_LIMIT

    def __init__(self, fake: FakeZaloApi) -> None:
        self.fake = fake
        self.hint = load_messages().menu_hint

    def new_chat(self) -> str:
        return secrets.token_hex(8)

    def settings(self, rasa_url: str, **extra: Any) -> ZaloSettings:
        values: dict[str, Any] = {
            "zalo_bot_token": TOKEN,
            "zalo_api_base_url": self.fake.base_url,
            "zalo_poll_timeout_seconds": 1,
            "rasa_url": rasa_url,
            "dvc_api_url": "http://127.0.0.1:9",
            "dvc_internal_token": "",
            "dvc_gateway_token": servers.GATEWAY_TOKEN,
            "zalo_outbox_interval_seconds": 0.3,
        }
        values.update(generic("zalo", extra))
        return ZaloSettings.model_construct(**{**ZaloSettings().model_dump(), **values})

    @asynccontextmanager
    async def running(self, rasa_url: str, **extra: Any) -> AsyncIterator[Conversations]:
        gateway = ZaloGateway(self.settings(rasa_url, **extra))
        await gateway.start()
        try:
            yield gateway.core
        finally:
            await gateway.stop()

    def say(self, chat: str, text: str) -> None:
        self.fake.inject(zalo_text(chat, text))

    def sticker(self, chat: str) -> None:
        self.fake.inject(zalo_sticker(chat))

    def texts(self, chat: str) -> list[str]:
        return [str(m["text"]) for m in self.fake.sent(chat)]

    def _menu(self, chat: str) -> list[tuple[str, str]]:
        for text in reversed(self.texts(chat)):
            if self.hint in text:
                lines = text.split(self.hint, 1)[1].splitlines()
                return [(m.group(1), m.group(2)) for line in lines if (m := MENU_LINE.match(line))]
        return []

    def choices(self, chat: str) -> list[str]:
        return [title for _, title in self._menu(chat) if not re.search(r": https?://", title)]

    def press(self, chat: str, title: str) -> None:
        number = next(n for n, t in self._menu(chat) if t == title)
        self.say(chat, number)

    def fail_sends(self, chat: str, failing: bool) -> None:
        (self.fake.fail_send_for.add if failing else self.fake.fail_send_for.discard)(chat)

    def throttle(self, count: int) -> None:
        self.fake.throttle = count

    async def wait_for(self, check: Callable[[], bool], timeout: float = 60.0) -> None:
        await self.fake.wait_for(check, timeout)


@contextmanager
def running_adapter(name: str) -> Iterator[Adapter]:
    """The named adapter with its fake platform on loopback."""
    if name == "telegram":
        with running_fake_bot_api() as bot:
            yield TelegramAdapter(bot)
    else:
        with running_fake_zalo_api() as zalo:
            yield ZaloAdapter(zalo)
