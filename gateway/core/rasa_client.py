"""The one small client the gateway uses to talk to Rasa's REST channel."""

from __future__ import annotations

from typing import Any

import httpx

from textnorm.channels import cap_message


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timeout, 5xx): the gateway apologises and keeps running."""


WEBHOOK = "/webhooks/gateway/webhook"  # Rasa's gateway channel (bot/channels.py): the only one that speaks for a chat


class RasaClient:
    """POSTs user messages to Rasa's gateway channel with the gateway token and returns the bot's messages."""

    def __init__(self, base_url: str, token: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # Created lazily, inside the running loop; recreated if a previous one was closed.
        if self._client is None or self._client.is_closed:
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
            headers = {"Authorization": f"Bearer {self.token}"}
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, limits=limits, headers=headers)
        return self._client

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """One user turn (the message capped first); the reply is Rasa's list of messages (text, buttons, image, custom)."""
        try:
            response = await self._http().post(WEBHOOK, json={"sender": sender, "message": cap_message(message)})
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise RasaUnavailable("invalid JSON from Rasa") from exc
        if not isinstance(data, list):
            raise RasaUnavailable("unexpected reply shape from Rasa")
        return [m for m in data if isinstance(m, dict)]

    async def close(self) -> None:
        """Release the connection pool at shutdown."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
