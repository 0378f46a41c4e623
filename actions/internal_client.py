"""Base for the small clients of the API's internal endpoints: bearer token from the environment, short timeouts."""

from __future__ import annotations

import os
from typing import Any

import httpx

from actions.api_client import ApiUnavailable


class InternalClient:
    """One pooled HTTP client per service; every failure to get an answer becomes ApiUnavailable."""

    def __init__(self, base_url: str, token: str, timeout: float = 3.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None or self._client.is_closed:
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            self._client = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout, headers=headers)
        return self._client

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response (any status below 500, which callers interpret), or ApiUnavailable."""
        try:
            response = await self._http().request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ApiUnavailable(f"{method} {path}: {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise ApiUnavailable(f"{method} {path}: HTTP {response.status_code}")
        return response


def api_url() -> str:
    """Where the API listens (DVC_API_URL, as for the catalogue client)."""
    return os.environ.get("DVC_API_URL", "http://127.0.0.1:8000")


def internal_token() -> str:
    """The shared secret for internal endpoints (DVC_INTERNAL_TOKEN); empty means they will answer 401."""
    return os.environ.get("DVC_INTERNAL_TOKEN", "")
