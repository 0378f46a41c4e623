"""The one small HTTP client the actions use to reach the catalogue API (never the database)."""

from __future__ import annotations

import os
import time
from typing import Any

from actions.http import HttpClient, HttpError


class ApiUnavailable(Exception):
    """The API did not answer (down, timeout, 5xx): the action apologises instead of crashing."""


class CatalogueClient:
    """Async client for the catalogue endpoints, with a short-lived cache for slow-changing data."""

    def __init__(self, base_url: str, timeout: float = 3.0, cache_seconds: float = 30.0) -> None:
        self.http = HttpClient(base_url, timeout)
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Any]] = {}

    async def _get(self, path: str, params: dict[str, Any] | None = None, cache: bool = False) -> Any:
        key = f"{path}?{sorted((params or {}).items())}"
        if cache and key in self._cache and time.monotonic() - self._cache[key][0] < self.cache_seconds:
            return self._cache[key][1]
        try:
            response = await self.http.request("GET", path, params=params)
        except HttpError as exc:
            raise ApiUnavailable(str(exc)) from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ApiUnavailable(f"{path}: HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise ApiUnavailable(f"{path}: unreadable reply") from exc
        if cache:
            self._cache[key] = (time.monotonic(), data)
        return data

    async def resolve(
        self,
        text: str,
        focus: str | None = None,
        intent: str | None = None,
        confidence: float = 0.0,
        last_aspect: str | None = None,
        pick: str | None = None,
        topic: str | None = None,
        offered: list[str] | None = None,
    ) -> dict[str, Any]:
        """The API's one decision for a message, with the procedure or topic and the site embedded (one call a turn)."""
        params = {"q": text[:2000], "focus": focus, "intent": intent, "last_aspect": last_aspect, "pick": pick, "topic": topic,
                  "offered": ",".join(offered or [])}  # fmt: skip
        query = {k: v for k, v in params.items() if v}
        query["confidence"] = f"{min(max(confidence, 0.0), 1.0):.3f}"
        result: dict[str, Any] = await self._get("/api/v1/resolve", query)
        return result

    async def procedure(self, slug: str) -> dict[str, Any] | None:
        """One procedure with its sources, or None when the slug is unknown."""
        result: dict[str, Any] | None = await self._get(f"/api/v1/procedures/{slug}", cache=True)
        return result

    async def topic(self, slug: str) -> dict[str, Any] | None:
        """One general topic, or None."""
        result: dict[str, Any] | None = await self._get(f"/api/v1/topics/{slug}", cache=True)
        return result

    async def topics(self) -> list[dict[str, Any]]:
        """All topics (slug, title)."""
        result: list[dict[str, Any]] = await self._get("/api/v1/topics", cache=True)
        return result

    async def procedures(self, **filters: Any) -> list[dict[str, Any]]:
        """Procedure summaries, filtered as the API allows (field, online_only, popular, audience)."""
        params = {k: v for k, v in filters.items() if v is not None}
        result: list[dict[str, Any]] = await self._get("/api/v1/procedures", params, cache=True)
        return result

    async def fields(self) -> list[dict[str, Any]]:
        """Fields (lĩnh vực) with procedure counts."""
        result: list[dict[str, Any]] = await self._get("/api/v1/fields", cache=True)
        return result

    async def site(self) -> dict[str, Any]:
        """The Sở's settings (hotline, portals, address)."""
        result: dict[str, Any] = await self._get("/api/v1/site", cache=True)
        return result


_client: CatalogueClient | None = None


def get_client() -> CatalogueClient:
    """The process-wide client, created on first use (nothing connects at import time)."""
    global _client
    if _client is None:
        _client = CatalogueClient(os.environ.get("DVC_API_URL", "http://127.0.0.1:8000"))
    return _client
