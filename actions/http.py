"""The one HTTP client the actions use to reach the API: a pooled aiohttp session (Rasa's own HTTP library).

httpx cost the action server about 2 ms of CPU per request under load (profiled with py-spy); aiohttp, already
installed with Rasa, does the same work for a fraction of that. Nothing connects until the first request.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import re
import urllib.parse
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

_clients: weakref.WeakSet[HttpClient] = weakref.WeakSet()


SLUG = re.compile(r"^[a-z0-9_]+$")  # the catalogue's slugs (api/catalogue/schema.py)


def path_part(value: str) -> str:
    """One URL path segment from untrusted text, fully quoted; ValueError for an empty or dot segment.

    A slug or code from a button payload goes into API URLs with the internal token: unquoted, `../` (or a
    `?`, `#`, `/`) would reach another endpoint. Dot segments are refused because URL libraries resolve them.
    """
    if value in ("", ".", ".."):
        raise ValueError(f"not a path segment: {value!r}")
    return urllib.parse.quote(value, safe="")


def slug_or_none(value: object) -> str | None:
    """The value when it is a well-formed slug, else None (a payload can carry anything)."""
    return value if isinstance(value, str) and SLUG.fullmatch(value) else None


class HttpError(Exception):
    """No answer: connection refused or reset, timeout, unreadable reply."""


@dataclass(frozen=True)
class Reply:
    """A finished HTTP reply: status, headers and the body as bytes."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded as JSON (raises ValueError when it is not)."""
        return jsonlib.loads(self.body)


class HttpClient:
    """Requests relative to `base_url`, on one keep-alive session per event loop."""

    def __init__(self, base_url: str, timeout: float = 3.0, headers: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        _clients.add(self)

    async def close(self) -> None:
        """Close the pooled connections (the action server calls this as it stops)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._session
        if session is None or session.closed or self._loop is not loop:  # a session belongs to one event loop
            # keepalive_timeout below the servers' keep-alive (30 s, scripts/run.sh): we close idle connections first.
            connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=10)
            session = aiohttp.ClientSession(connector=connector, headers=self.headers, json_serialize=jsonlib.dumps)
            self._session, self._loop = session, loop
        return session

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None = None,
    ) -> Reply:
        """The reply, whatever its status; HttpError when there is none."""
        try:
            async with self._http().request(
                method,
                self.base_url + path,
                params=_query(params),
                json=json,
                timeout=aiohttp.ClientTimeout(total=timeout or self.timeout),
            ) as response:
                return Reply(response.status, response.headers, await response.read())
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise HttpError(f"{method} {path}: {exc.__class__.__name__}") from exc


async def close_all(*_args: Any) -> None:
    """Close every client's session: a Sanic `before_server_stop` listener (see actions/__init__.py)."""
    for client in list(_clients):
        await client.close()


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    """Query values as text (aiohttp refuses booleans): True → "true", as httpx wrote them."""
    if not params:
        return None
    return {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params.items()}
