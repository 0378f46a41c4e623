"""Base for the small clients of the API's internal endpoints: bearer token from the environment, short timeouts."""

from __future__ import annotations

import os
from typing import Any

from actions.api_client import ApiUnavailable
from actions.http import HttpClient, HttpError, Reply


class InternalClient:
    """One pooled HTTP client per service; every failure to get an answer becomes ApiUnavailable."""

    def __init__(self, base_url: str, token: str, timeout: float = 3.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = HttpClient(base_url, timeout, headers)

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        """The response (any status below 500, which callers interpret), or ApiUnavailable."""
        try:
            response = await self.http.request(method, path, **kwargs)
        except HttpError as exc:
            raise ApiUnavailable(str(exc)) from exc
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise ApiUnavailable(f"{method} {path}: HTTP {response.status_code}")
        return response


def api_url() -> str:
    """Where the API listens (DVC_API_URL, as for the catalogue client)."""
    return os.environ.get("DVC_API_URL", "http://127.0.0.1:8000")


def internal_token() -> str:
    """The shared secret for internal endpoints (DVC_INTERNAL_TOKEN); empty means they will answer 401."""
    return os.environ.get("DVC_INTERNAL_TOKEN", "")
