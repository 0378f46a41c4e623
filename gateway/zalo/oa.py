"""A Zalo Official Account (OA API v3) as a sender for the Zalo transport, with OAuth token refresh.

The Bot Platform (bot_api.py) is the default; an OA plugs into ZaloTransport the same way (send_message,
send_typing), and its webhook events become the Bot Platform's update shape (oa_update) for ZaloGateway.handle.
Refresh tokens are single use, so each new pair is saved (owner-only file) before it is used.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import pathlib
import time
from typing import Any

import httpx

from gateway.core.outbox import RateLimited, TemporaryFailure, Undeliverable

OAUTH_URL = "https://oauth.zaloapp.com/v4/oa/access_token"
API_URL = "https://openapi.zalo.me/v3.0/oa"
TOKEN_EXPIRED = (-216, -124)  # access token invalid / expired: refresh once and retry
NOT_REACHABLE = (-213, -230)  # not a follower / no interaction in the allowed window: retrying will not help
RATE_LIMITED = (-32,)
SIGNATURE_HEADER = "X-ZEvent-Signature"


class OaTokens:
    """The OA's access token, refreshed with the app's secret key shortly before it expires."""

    def __init__(self, store: pathlib.Path, app_id: str, secret_key: str, oauth_url: str = OAUTH_URL) -> None:
        self.store = store
        self.app_id = app_id
        self.secret_key = secret_key
        self.oauth_url = oauth_url
        self._lock = asyncio.Lock()

    def _read(self) -> dict[str, Any]:
        data = json.loads(self.store.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, Any]) -> None:
        temporary = self.store.with_suffix(".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.chmod(temporary, 0o600)
        temporary.replace(self.store)  # atomic: a crash never leaves half a refresh token

    async def access_token(self, http: httpx.AsyncClient) -> str:
        """A valid access token (refreshed when it expires within a minute)."""
        async with self._lock:
            data = self._read()
            if float(data.get("expires_at", 0)) - 60 > time.time() and data.get("access_token"):
                return str(data["access_token"])
            return await self._refresh(http, data)

    async def refresh(self, http: httpx.AsyncClient) -> str:
        """Refresh now (the API said the token was no longer valid)."""
        async with self._lock:
            return await self._refresh(http, self._read())

    async def _refresh(self, http: httpx.AsyncClient, data: dict[str, Any]) -> str:
        form = {"refresh_token": str(data.get("refresh_token", "")), "app_id": self.app_id, "grant_type": "refresh_token"}
        try:
            response = await http.post(self.oauth_url, data=form, headers={"secret_key": self.secret_key})
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TemporaryFailure(f"OA token refresh: {type(exc).__name__}") from None
        if not isinstance(answer, dict) or not answer.get("access_token") or not answer.get("refresh_token"):
            raise TemporaryFailure(f"OA token refresh refused: {answer.get('error') if isinstance(answer, dict) else '?'}")
        fresh = {
            "access_token": answer["access_token"],
            "refresh_token": answer["refresh_token"],
            "expires_at": time.time() + float(answer.get("expires_in", 3600)),
        }
        self._write(fresh)
        return str(fresh["access_token"])


class ZaloOaApi:
    """Consultation messages (`message/cs`) to an OA's followers; failures as the core's outcomes."""

    def __init__(self, tokens: OaTokens, api_url: str = API_URL, timeout: float = 15.0) -> None:
        self.tokens = tokens
        self.api_url = api_url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout)

    async def send_message(self, chat: str, text: str) -> None:
        body = {"recipient": {"user_id": chat}, "message": {"text": text}}
        for attempt in range(2):
            token = await (self.tokens.refresh(self._http) if attempt else self.tokens.access_token(self._http))
            try:
                response = await self._http.post(f"{self.api_url}/message/cs", json=body, headers={"access_token": token})
                answer = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise TemporaryFailure(f"OA send: {type(exc).__name__}") from None
            error = int(answer.get("error", -1)) if isinstance(answer, dict) else -1
            if error == 0:
                return
            if error in TOKEN_EXPIRED and attempt == 0:
                continue
            if error in NOT_REACHABLE:
                raise Undeliverable(f"OA error {error}")
            if error in RATE_LIMITED:
                raise RateLimited(60.0)
            raise TemporaryFailure(f"OA error {error}")
        raise TemporaryFailure("OA token still refused after a refresh")

    async def send_typing(self, chat: str) -> None:
        """OA consultation messages have no typing indicator: nothing to do."""

    async def close(self) -> None:
        await self._http.aclose()


def verify_signature(app_id: str, body: bytes, timestamp: str, oa_secret: str, header: str) -> bool:
    """An OA webhook's `X-ZEvent-Signature: mac=<sha256(app_id + body + timestamp + OA secret)>`."""
    expected = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode()).hexdigest()
    return hmac.compare_digest(header.removeprefix("mac=").strip(), expected)


def oa_update(event: dict[str, Any]) -> dict[str, Any] | None:
    """An OA webhook event as a Bot Platform update (text, or any other user message as unreadable); None otherwise."""
    name = str(event.get("event_name", ""))
    sender = event.get("sender")
    user = str(sender.get("id", "")) if isinstance(sender, dict) else ""
    if not name.startswith("user_send_") or not user:
        return None
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    update: dict[str, Any] = {"chat": {"id": user, "chat_type": "PRIVATE"}, "from": {"id": user}}
    if name == "user_send_text" and isinstance(message, dict) and isinstance(message.get("text"), str):
        return {"event_name": "message.text.received", "message": {**update, "text": message["text"]}}
    return {"event_name": "message.unsupported.received", "message": update}
