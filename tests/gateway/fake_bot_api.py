"""A fake Telegram Bot API on loopback: it hands out injected updates and records what the bot sends."""

from __future__ import annotations

import asyncio
import collections
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests import servers

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Trợ lý DVC", "username": "dvc_test_bot"}
JSON_FIELDS = {"chat_id", "reply_markup", "link_preview_options", "allowed_updates", "commands", "offset", "timeout", "limit"}


@dataclass
class Call:
    """One Bot API call the gateway made."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeBotApi:
    """State shared between the server thread and the test: the update queue and the recorded calls."""

    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    fail_send_for: set[int] = field(default_factory=set)  # chat ids whose sendMessage answers 500
    throttle: int = 0  # the next `throttle` sendMessage calls answer 429 with retry_after 1
    _updates: collections.deque[dict[str, Any]] = field(default_factory=collections.deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def inject(self, update: dict[str, Any]) -> None:
        """Queue an update for the next getUpdates."""
        with self._lock:
            update = {"update_id": next(self._ids), **update}
            self._updates.append(update)

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
        """Parameters of every `method` call made for `chat_id`, in order."""
        with self._lock:
            return [c.params for c in self.calls if c.method == method and c.params.get("chat_id") == chat_id]

    def last_sent_at(self, chat_id: int) -> float:
        """When the last sendMessage for `chat_id` arrived (time.monotonic), 0 if none."""
        with self._lock:
            times = [c.at for c in self.calls if c.method == "sendMessage" and c.params.get("chat_id") == chat_id]
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

    # --- server side ---

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            self.calls.append(Call(method, params))

    def _throttled(self) -> bool:
        with self._lock:
            if self.throttle > 0:
                self.throttle -= 1
                return True
            return False

    def _take(self, offset: int) -> list[dict[str, Any]]:
        with self._lock:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
            return list(self._updates)

    def _message(self, chat_id: int, text: str) -> dict[str, Any]:
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": text,
        }

    async def handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        try:
            body = (await request.body()).decode()
        except ClientDisconnect:  # a stopped gateway's request: nobody reads the answer
            return JSONResponse({}, 499)
        if request.headers.get("content-type", "").startswith("application/json"):
            params: dict[str, Any] = json.loads(body or "{}")
        else:
            params = dict(parse_qsl(body))
            for key in JSON_FIELDS & params.keys():
                params[key] = json.loads(params[key])
        if method == "sendMessage" and self._throttled():  # refused before it counts as sent
            slow_down = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1"}
            return JSONResponse({**slow_down, "parameters": {"retry_after": 1}}, 429)
        if method != "getUpdates":
            self._record(method, params)
        if method == "getMe":
            return JSONResponse({"ok": True, "result": BOT_USER})
        if method == "getUpdates":
            deadline = time.monotonic() + min(float(params.get("timeout", 0)), 2.0)
            while not (updates := self._take(int(params.get("offset", 0)))) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            return JSONResponse({"ok": True, "result": updates})
        if method == "sendMessage":
            if params["chat_id"] in self.fail_send_for:
                return JSONResponse({"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500)
            return JSONResponse({"ok": True, "result": self._message(params["chat_id"], params["text"])})
        return JSONResponse({"ok": True, "result": True})  # sendChatAction, answerCallbackQuery, setMyCommands...


@contextmanager
def serve_in_thread(app: Starlette) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port from a background thread; yields its base URL."""
    port = servers.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def running_fake_bot_api() -> Iterator[FakeBotApi]:
    """Serve a FakeBotApi on a free loopback port in a background thread."""
    fake = FakeBotApi()
    app = Starlette(routes=[Route("/bot{token}/{method}", fake.handle, methods=["GET", "POST"])])
    with serve_in_thread(app) as base:
        fake.base_url = f"{base}/bot"
        yield fake


def user(chat_id: int) -> dict[str, Any]:
    """The person writing from `chat_id`."""
    return {"id": chat_id, "is_bot": False, "first_name": "Phụ huynh"}


def text_update(chat_id: int, text: str) -> dict[str, Any]:
    """A private-chat message; commands get their bot_command entity as Telegram sends it."""
    message: dict[str, Any] = {
        "message_id": int(time.time() * 1000) % 1_000_000_000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": user(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


def button_update(chat_id: int, data: str) -> dict[str, Any]:
    """A press on an inline button whose callback_data is `data`."""
    return {
        "callback_query": {
            "id": f"cq{time.monotonic_ns()}",
            "from": user(chat_id),
            "chat_instance": str(chat_id),
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": BOT_USER,
                "text": "…",
            },
        }
    }
