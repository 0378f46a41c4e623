"""Rasa's input channels as this assistant runs them: the public REST and socket.io channels, and the gateways' own
authenticated channel. Every channel caps what it reads, records itself as the message's channel and answers within
a time budget; only the gateway channel may speak for a Telegram or Zalo chat."""

from __future__ import annotations

import asyncio
import hmac
import inspect
import logging
import os
import pathlib
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import yaml
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from textnorm.channels import MAX_BODY_BYTES, cap_message, public_sender
from textnorm.commands import command_payload

log = logging.getLogger(__name__)
ROOT = pathlib.Path(__file__).resolve().parent.parent
BUSY_RESPONSE = "utter_service_busy"
HOTLINE_FALLBACK_RESPONSE = "utter_fallback_hotline"
Handler = Callable[[UserMessage], Awaitable[Any]]


def reply_timeout() -> float:
    """Seconds a user waits at most for the bot's reply (DVC_REPLY_TIMEOUT_SECONDS) before the apology comes."""
    return float(os.environ.get("DVC_REPLY_TIMEOUT_SECONDS", "5"))


def site_hotline() -> str:
    """The Sở's hotline from site.yaml (DVC_SITE_FILE), read when needed so an edit needs no restart."""
    path = pathlib.Path(os.environ.get("DVC_SITE_FILE") or ROOT / "site.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return ""
    return str(data.get("hotline") or "")


def client_key(address: str) -> str:
    """A stable pseudonym for a client address (keyed with DVC_SECRET_KEY): the lockout counts per address, and no
    address is stored in the conversation."""
    secret = os.environ.get("DVC_SECRET_KEY", "")
    return "addr-" + hmac.new(secret.encode(), address.encode(), "sha256").hexdigest()[:20]


class CountingOutput(OutputChannel):
    """The channel's own output, counting what the bot said in a turn (nothing said = something failed)."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]
        return self.inner.name()  # the channel's own responses variants still apply

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)


class Guard:
    """What every channel does to a message before the bot sees it, and the apology when no reply comes in time."""

    def __init__(self, channel: str, public: bool, own_metadata: bool = False) -> None:
        self.channel = channel
        self.public = public
        self.own_metadata = own_metadata  # the metadata is the channel's own (client key), never the client's
        self.app: Sanic | None = None

    def wrap(self, on_new_message: Handler) -> Handler:
        """The handler the channel's blueprint calls instead of Rasa's own."""

        async def handle(message: UserMessage) -> None:
            if message.text is not None:
                message.text = cap_message(str(message.text))  # before NLU, masking and storage
                message.text = command_payload(message.text) or message.text  # "/hoc K7M2PQ Mèo" typed in the widget
            if self.public:
                message.sender_id = public_sender(str(message.sender_id))
                if not self.own_metadata:
                    message.metadata = None  # nothing client-chosen beyond the sender id and the text
            message.input_channel = self.channel
            output = message.output_channel = CountingOutput(message.output_channel)
            try:
                await asyncio.wait_for(on_new_message(message), reply_timeout())
            except asyncio.TimeoutError:
                log.warning("no reply within %.1f s on %s: apologising", reply_timeout(), self.channel)
                await output.send_text_message(message.sender_id, self.apology())
                return
            except Exception:  # the lock store (Redis) or the tracker store down: say so instead of an empty reply
                log.exception("the turn failed on %s: apologising", self.channel)
                await output.send_text_message(message.sender_id, self.apology())
                return
            if not output.sent:  # the action server refused the call (down): Rasa carries on and says nothing
                log.warning("an empty reply on %s: apologising", self.channel)
                await output.send_text_message(message.sender_id, self.apology())

        return handle

    def install(self, blueprint: Blueprint) -> None:
        """Cap request bodies (HTTP and websocket) for the whole server, and keep the app for the domain's texts."""

        @blueprint.listener("before_server_start")
        async def limits(app: Sanic, _loop: Any) -> None:
            app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
            app.config.WEBSOCKET_MAX_SIZE = MAX_BODY_BYTES
            self.app = app

    def apology(self) -> str:
        """The domain's apology with the hotline (the domain's pointer to the Sở's site when no hotline is set)."""
        responses: dict[str, Any] = self.app.ctx.agent.domain.responses if self.app is not None else {}

        def text(name: str) -> str:
            variants = responses.get(name) or [{}]
            return str(variants[0].get("text") or "")

        hotline = site_hotline() or text(HOTLINE_FALLBACK_RESPONSE)
        return text(BUSY_RESPONSE).replace("{hotline}", hotline)


class PublicRestInput(RestInput):
    """Rasa's REST channel (/webhooks/rest/webhook) for the widget, curl and tests: capped, never a gateway's chat."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # the path it came on, never a field the client chose

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """Only what the server itself saw: the client's address as a keyed digest, for the lookup lockout."""
        return {"client_ip": client_key(request.remote_addr or request.ip)}

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guard = Guard(self.name(), public=True, own_metadata=True)
        blueprint = super().blueprint(guard.wrap(on_new_message))
        guard.install(blueprint)
        return blueprint


class PublicSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel: capped, and a session id naming a gateway's chat is kept out like on REST."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guard = Guard(self.name(), public=True)
        blueprint = super().blueprint(guard.wrap(on_new_message))
        guard.install(blueprint)
        sio = self.sio
        assert sio is not None
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES

        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            """Join the session's room (Rasa 3.6 forgets to await python-socketio 5's enter_room, so replies went
            nowhere); the room is the sender id the session's messages get, so both are kept from a gateway's prefix."""
            given = data.get("session_id") if isinstance(data, dict) else None
            session_id = public_sender(str(given)) if given else uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        sio.on("session_request", namespace=self.namespace)(session_request)
        return blueprint


class GatewayInput(RestInput):
    """/webhooks/gateway/webhook: the REST contract for the Telegram (and later Zalo) gateway, with its bearer token.

    The token comes from the environment variable named in credentials.yml (DVC_GATEWAY_TOKEN); unset, every call
    is refused."""

    def __init__(self, token: str) -> None:
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        variable = str((credentials or {}).get("token_env") or "DVC_GATEWAY_TOKEN")
        return cls(os.environ.get(variable, ""))

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return None

    def authorised(self, request: Request) -> bool:
        """A bearer token equal to the configured one (compared in constant time); no token configured, no entry."""
        scheme, _, given = (request.headers.get("Authorization") or "").partition(" ")
        return bool(self.token) and scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), self.token.encode())

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        guard = Guard(self.name(), public=False)
        blueprint = super().blueprint(guard.wrap(on_new_message))
        guard.install(blueprint)

        @blueprint.middleware("request")
        async def authenticate(request: Request) -> HTTPResponse | None:
            return None if self.authorised(request) else response.json({"detail": "gateway token required"}, status=401)

        return blueprint
