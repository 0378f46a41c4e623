"""The one small client the gateway uses to talk to Rasa's REST channel."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer (down, timeout, 5xx): the gateway apologises and keeps running."""


class RasaClient:
    """POSTs user messages to {rasa_url}/webhooks/rest/webhook and returns the bot's messages."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        # Created lazily, inside the running loop; recreated if a previous one was closed.
        if self._client is None or self._client.is_closed:
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, limits=limits)
        return self._client

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """One user turn; the reply is Rasa's list of messages (text, buttons, image, custom)."""
        try:
            response = await self._http().post("/webhooks/rest/webhook", json={"sender": sender, "message": message})
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
