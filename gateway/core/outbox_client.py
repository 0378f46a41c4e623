"""The one small client the gateways use to reach the API's notification outbox (internal token)."""

from __future__ import annotations

from typing import Any

import httpx


class ApiUnavailable(Exception):
    """The API did not answer as expected; the poller tries again next round."""


class OutboxClient:
    """Lease undelivered notifications of one channel; acknowledge each one as delivered, or report why it was not."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            headers = {"Authorization": f"Bearer {self.token}"}
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, headers=headers)
        return self._client

    async def pending(self, channel: str) -> list[dict[str, Any]]:
        """Undelivered notifications for the channel: each has at least id, recipient and text."""
        try:
            response = await self._http().get("/api/v1/notifications", params={"channel": channel})
        except httpx.HTTPError as exc:
            raise ApiUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise ApiUnavailable(f"GET notifications: HTTP {response.status_code}")
        data = response.json()
        items = data.get("notifications", []) if isinstance(data, dict) else data
        return [n for n in items if isinstance(n, dict) and "id" in n and "recipient" in n and "text" in n]

    async def lease(self, channel: str, owner: str, seconds: float, limit: int = 50) -> list[dict[str, Any]]:
        """Notifications to send now, held for `owner` alone for `seconds` (another gateway process skips them)."""
        body = {"channel": channel, "owner": owner, "seconds": seconds, "limit": limit}
        try:
            response = await self._http().post("/api/v1/notifications/lease", json=body)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise ApiUnavailable(f"POST lease: HTTP {response.status_code}")
        data = response.json()
        return [n for n in data if isinstance(n, dict) and "id" in n and "recipient" in n and "text" in n]

    async def failed(self, notification_id: int, reason: str, retry_after: float | None = None, detail: str = "") -> None:
        """Report a try that did not deliver (the API retries it with backoff, or sets it aside with the reason)."""
        body = {"reason": reason, "retry_after": retry_after, "detail": detail[:200]}
        try:
            response = await self._http().post(f"/api/v1/notifications/{notification_id}/failed", json=body)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code not in (200, 204, 404):
            raise ApiUnavailable(f"POST failed: HTTP {response.status_code}")

    async def delivered(self, notification_id: int) -> None:
        """Acknowledge one notification so it is not sent again."""
        try:
            response = await self._http().post(f"/api/v1/notifications/{notification_id}/delivered")
        except httpx.HTTPError as exc:
            raise ApiUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code not in (200, 204, 404):
            raise ApiUnavailable(f"POST delivered: HTTP {response.status_code}")

    async def close(self) -> None:
        """Release the connection pool at shutdown."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
