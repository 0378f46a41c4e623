"""Client of the API's practice dossier endpoints (internal token); the chat is its sender id, nothing else."""

from __future__ import annotations

from typing import Any

from actions.internal_client import InternalClient, api_url, internal_token


class PracticeClient(InternalClient):
    """GET /practice/procedures, POST /practice/start|step|advance."""

    async def procedures(self) -> list[dict[str, str]]:
        """The procedures offered for practice (slug, name)."""
        result: list[dict[str, str]] = (await self.request("GET", "/api/v1/practice/procedures")).json()
        return result

    async def start(self, recipient: str, procedure: str) -> dict[str, Any] | None:
        """The first step of a new practice; None for a procedure not offered."""
        return await self._post("/api/v1/practice/start", {"recipient": recipient, "procedure": procedure[:80]})

    async def step(self, recipient: str, choice: str) -> dict[str, Any] | None:
        """The step after the choice; None when this chat has no practice."""
        return await self._post("/api/v1/practice/step", {"recipient": recipient, "choice": choice[:20]})

    async def advance(self, recipient: str) -> dict[str, Any] | None:
        """The practice dossier's next status; None when this chat has submitted none."""
        return await self._post("/api/v1/practice/advance", {"recipient": recipient})

    async def _post(self, path: str, body: dict[str, str]) -> dict[str, Any] | None:
        response = await self.request("POST", path, json=body)
        result: dict[str, Any] | None = response.json() if response.status_code == 200 else None
        return result


_client: PracticeClient | None = None


def practice_client() -> PracticeClient:
    """One pooled client per action server process, made on first use (nothing connects at import)."""
    global _client
    if _client is None:
        _client = PracticeClient(api_url(), internal_token())
    return _client
