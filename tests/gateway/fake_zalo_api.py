"""A fake Zalo Bot Platform on loopback: getUpdates hands out injected updates one at a time, sends are recorded."""

from __future__ import annotations

import asyncio
import collections
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.gateway.fake_bot_api import Call, serve_in_thread

TOKEN = "1234567890:zalo-test-token"


@dataclass
class FakeZaloApi:
    """State shared between the server thread and the test: the update queue and the recorded calls."""

    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    fail_send_for: set[str] = field(default_factory=set)  # chats whose sendMessage answers 500
    blocked: set[str] = field(default_factory=set)  # chats that blocked the bot: 403
    throttle: int = 0  # the next `throttle` sendMessage calls answer 429 with retry_after 1
    _updates: collections.deque[dict[str, Any]] = field(default_factory=collections.deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def inject(self, update: dict[str, Any]) -> None:
        """Queue an update for a coming getUpdates."""
        with self._lock:
            self._updates.append(update)

    def sent(self, chat: str, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every successful `method` call made for `chat`, in order."""
        with self._lock:
            return [c.params for c in self.calls if c.method == method and c.params.get("chat_id") == chat]

    def last_sent_at(self, chat: str) -> float:
        """When the last sendMessage for `chat` arrived (time.monotonic), 0 if none."""
        with self._lock:
            times = [c.at for c in self.calls if c.method == "sendMessage" and c.params.get("chat_id") == chat]
        return times[-1] if times else 0.0

    def methods(self) -> list[str]:
        """Names of all calls so far."""
        with self._lock:
            return [c.method for c in self.calls]

    async def wait_for(self, check: Callable[[], bool], timeout: float = 60.0) -> None:
        """Wait (without blocking the loop) until `check()` holds."""
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {self.methods()[-20:]}")
            await asyncio.sleep(0.05)

    def _take(self) -> dict[str, Any] | None:
        with self._lock:
            return self._updates.popleft() if self._updates else None

    def _refuse(self, chat: str) -> JSONResponse | None:
        with self._lock:
            if chat in self.blocked:
                return JSONResponse({"ok": False, "error_code": 403, "description": "user blocked the bot"}, 403)
            if chat in self.fail_send_for:
                return JSONResponse({"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500)
            if self.throttle > 0:
                self.throttle -= 1
                body = {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 1}}
                return JSONResponse(body, 429)
        return None

    async def handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != TOKEN:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        method = request.path_params["method"]
        try:
            params: dict[str, Any] = await request.json()
        except ClientDisconnect:  # a stopped gateway's request: nobody reads the answer
            return JSONResponse({}, 499)
        if method == "getUpdates":  # one update per answer, as Zalo does; 408 when the long poll ends empty
            deadline = time.monotonic() + min(float(params.get("timeout", 0)), 2.0)
            while (update := None if await request.is_disconnected() else self._take()) is None:
                if time.monotonic() >= deadline or await request.is_disconnected():  # a stopped gateway's poll
                    return JSONResponse({"ok": False, "error_code": 408, "description": "Request timeout"}, 408)
                await asyncio.sleep(0.02)
            return JSONResponse({"ok": True, "result": update})
        if method == "sendMessage" and (refused := self._refuse(str(params.get("chat_id")))) is not None:
            return refused
        with self._lock:
            self.calls.append(Call(method, params))
        if method == "sendMessage":
            return JSONResponse({"ok": True, "result": {"message_id": str(next(self._ids)), "date": int(time.time() * 1000)}})
        return JSONResponse({"ok": True, "result": True})  # sendChatAction, setWebhook, deleteWebhook


@contextmanager
def running_fake_zalo_api() -> Iterator[FakeZaloApi]:
    """Serve a FakeZaloApi on a free loopback port in a background thread."""
    fake = FakeZaloApi()
    app = Starlette(routes=[Route("/bot{token}/{method}", fake.handle, methods=["POST"])])
    with serve_in_thread(app) as base:
        fake.base_url = f"{base}/bot"
        yield fake


def zalo_text(chat: str, text: str) -> dict[str, Any]:
    """A text message from a user, as getUpdates and the webhook deliver it."""
    message = {
        "message_id": f"m{time.monotonic_ns()}",
        "from": {"id": chat, "display_name": "Phụ huynh", "is_bot": False},
        "chat": {"id": chat, "chat_type": "PRIVATE"},
        "date": int(time.time() * 1000),
        "text": text,
    }
    return {"event_name": "message.text.received", "message": message}


def zalo_sticker(chat: str) -> dict[str, Any]:
    """A sticker: no text to read."""
    update = zalo_text(chat, "")
    del update["message"]["text"]
    update["message"]["sticker"] = "d063f44dc80821567819"
    return {**update, "event_name": "message.sticker.received"}
