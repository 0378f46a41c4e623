"""A small client of the Zalo Bot Platform's HTTP API (getUpdates, setWebhook, sendMessage): plain httpx, no SDK."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.core.outbox import RateLimited, TemporaryFailure, Undeliverable

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # what Zalo sends with each webhook POST when setWebhook had a secret_token
TEXT_LIMIT = 2000  # characters per sendMessage


class ZaloBotApi:
    """POSTs JSON to `<base><token>/<method>` and unwraps `{"ok": true, "result": …}`; failures as the core's outcomes."""

    def __init__(self, base_url: str, token: str, timeout: float = 15.0) -> None:
        self.url = f"{base_url.rstrip('/')}{token}"
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            limits = httpx.Limits(max_connections=50, max_keepalive_connections=20)
            self._client = httpx.AsyncClient(timeout=self.timeout, limits=limits)
        return self._client

    async def call(self, method: str, params: dict[str, Any], timeout: float | None = None) -> Any:
        """One method call; raises RateLimited (429), Undeliverable (400, 403, 404) or TemporaryFailure (anything else)."""
        try:
            response = await self._http().post(f"{self.url}/{method}", json=params, timeout=timeout or self.timeout)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:  # the URL holds the token: never put it in the message
            raise TemporaryFailure(f"{method}: {type(exc).__name__}") from None
        if isinstance(data, dict) and data.get("ok") is True:
            return data.get("result")
        code = int(data.get("error_code") or response.status_code) if isinstance(data, dict) else response.status_code
        description = str(data.get("description") or "") if isinstance(data, dict) else ""
        if code == 408 and method == "getUpdates":  # the long poll ended without an update
            return []
        if code == 429:
            parameters = data.get("parameters") if isinstance(data, dict) else None
            after = parameters.get("retry_after") if isinstance(parameters, dict) else None
            raise RateLimited(float(after) if isinstance(after, int | float) else 1.0)
        if code in (400, 403, 404):
            raise Undeliverable(f"{method}: {code} {description}".strip())
        raise TemporaryFailure(f"{method}: {code} {description}".strip())

    async def get_updates(self, timeout: int) -> list[dict[str, Any]]:
        """Long polling: the updates that arrived (Zalo answers one at a time; a list is accepted too); [] on timeout."""
        result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        if result is None:
            return []
        items = result if isinstance(result, list) else [result]
        return [u for u in items if isinstance(u, dict)]

    async def send_message(self, chat: str, text: str) -> None:
        """One plain text message."""
        await self.call("sendMessage", {"chat_id": chat, "text": text})

    async def send_typing(self, chat: str) -> None:
        """The "typing…" indicator."""
        await self.call("sendChatAction", {"chat_id": chat, "action": "typing"})

    async def set_webhook(self, url: str, secret: str) -> None:
        """Webhook mode: Zalo POSTs updates to `url` with the secret in SECRET_HEADER."""
        await self.call("setWebhook", {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> None:
        """Polling mode: updates are held for getUpdates again."""
        await self.call("deleteWebhook", {})

    async def close(self) -> None:
        """Release the connection pool at shutdown."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
