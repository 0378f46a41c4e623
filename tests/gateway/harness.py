"""Run the real gateway application in-process against a fake Bot API (shared by tests and the benchmark)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from telegram.ext import Application

from gateway.telegram.app import ALLOWED_UPDATES, build_application
from gateway.telegram.settings import GatewaySettings
from tests import servers


def gateway_settings(bot_api: str, rasa_url: str, **extra: Any) -> GatewaySettings:
    """Settings pointing the gateway at the fake Bot API and a Rasa; nothing read from the environment."""
    values: dict[str, Any] = {
        "telegram_bot_token": "123456:TEST-TOKEN",
        "telegram_api_base_url": bot_api,
        "telegram_api_base_file_url": bot_api,
        "rasa_url": rasa_url,
        "dvc_api_url": "http://127.0.0.1:9",
        "dvc_internal_token": "",
        "dvc_gateway_token": servers.GATEWAY_TOKEN,
        "telegram_outbox_interval_seconds": 0.3,
    }
    values.update(extra)
    return GatewaySettings.model_construct(**{**GatewaySettings().model_dump(), **values})


@asynccontextmanager
async def running_gateway(settings: GatewaySettings) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Initialise, start and long-poll like `run_polling` does, then shut everything down."""
    app = build_application(settings)
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=ALLOWED_UPDATES)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


def stand_in_rasa(reply: Callable[[str, str], list[dict[str, Any]]]) -> Starlette:
    """A stand-in for Rasa's gateway channel (outer edge only): `reply(sender, message)` gives the messages."""

    async def webhook(request: Request) -> JSONResponse:
        if request.headers.get("Authorization") != f"Bearer {servers.GATEWAY_TOKEN}":
            return JSONResponse({"detail": "gateway token required"}, status_code=401)
        body = json.loads(await request.body())
        return JSONResponse(reply(body["sender"], body["message"]))

    return Starlette(routes=[Route("/webhooks/gateway/webhook", webhook, methods=["POST"])])


class TcpSwitch:
    """A loopback TCP forwarder that can be switched off and on: Rasa "goes down" and comes back."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = servers.free_port()
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def on(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def off(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._open):  # kept-alive connections go down too
            writer.close()
        self._open.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._open.update((writer, up_writer))

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
