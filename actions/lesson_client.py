"""Client of the API's lesson and class endpoints (internal token); the chat is its sender id, nothing else."""

from __future__ import annotations

from typing import Any

from actions.api_client import ApiUnavailable
from actions.internal_client import InternalClient, api_url, internal_token


class LessonClient(InternalClient):
    """GET /lessons, POST /lessons/{slug}/show|answer, POST /classes/join."""

    async def menu(self, recipient: str) -> list[dict[str, Any]]:
        """The lessons with this chat's progress."""
        response = await self.request("GET", "/api/v1/lessons", params={"recipient": recipient})
        if response.status_code != 200:  # a refused chat id (422) or a rate limit: no menu, said politely
            raise ApiUnavailable(f"GET /api/v1/lessons: HTTP {response.status_code}")
        result: list[dict[str, Any]] = response.json()
        return result

    async def show(self, recipient: str, slug: str, move: str) -> dict[str, Any] | None:
        """The step, question or result after the move; None for no such lesson."""
        response = await self.request("POST", f"/api/v1/lessons/{slug}/show", json={"recipient": recipient, "move": move})
        result: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return result

    async def answer(self, recipient: str, slug: str, choice: int) -> dict[str, Any] | None:
        """Right or wrong, the explanation and what comes next; None when no question is pending."""
        body = {"recipient": recipient, "choice": choice}
        response = await self.request("POST", f"/api/v1/lessons/{slug}/answer", json=body)
        result: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return result

    async def join(self, recipient: str, code: str, nickname: str) -> dict[str, Any]:
        """`status` (joined, unknown, closed, bad_nickname) and the class title."""
        body = {"recipient": recipient, "code": code[:20], "nickname": nickname[:60]}
        result: dict[str, Any] = (await self.request("POST", "/api/v1/classes/join", json=body)).json()
        return result


_client: LessonClient | None = None


def lesson_client() -> LessonClient:
    """One pooled client per action server process, made on first use (nothing connects at import)."""
    global _client
    if _client is None:
        _client = LessonClient(api_url(), internal_token())
    return _client
