"""Client for recording turns, ratings, feedback and tickets (docs/contracts.md, issue 5)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from typing import Any

from actions.api_client import ApiUnavailable
from actions.internal_client import InternalClient, api_url, internal_token

logger = logging.getLogger(__name__)
RECORD_TIMEOUT = 1.0  # recording must never hold a reply up
FLUSH_SECONDS = 0.5  # turns are posted in batches: one API request per half second, not one per turn
MAX_BATCH = 200


class RecordsClient(InternalClient):
    """Turn records are fire-and-forget; feedback and tickets are awaited because the reply quotes their ids."""

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(base_url, token)
        self._buffer: list[dict[str, Any]] = []
        self._flusher: asyncio.Task[None] | None = None

    def record_turn(
        self, sender: str, text: str, intent: str | None, procedure_slug: str | None, topic_slug: str | None, answered: bool
    ) -> None:
        """Queue the turn; a background task posts the queue as one batch every FLUSH_SECONDS (failures logged)."""
        self._buffer.append({
            "sender": sender, "text": text[:5000], "intent": intent, "procedure_slug": procedure_slug,
            "topic_slug": topic_slug, "answered": answered, "at": dt.datetime.now(dt.timezone.utc).isoformat(),
        })  # fmt: skip
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        """Wait a moment so turns arriving together share one request, then post them."""
        await asyncio.sleep(FLUSH_SECONDS)
        await self.flush()

    async def flush(self) -> None:
        """Post every queued turn now (also called as the action server stops, so no turn is lost)."""
        while self._buffer:
            batch, self._buffer = self._buffer[:MAX_BATCH], self._buffer[MAX_BATCH:]
            await self._quietly("/api/v1/records/turns/batch", {"turns": batch})

    async def _quietly(self, path: str, body: dict[str, Any]) -> None:
        try:
            response = await self.http.request("POST", path, json=body, timeout=RECORD_TIMEOUT)
            if response.status_code >= 400:
                logger.warning("recording %s failed: HTTP %s", path, response.status_code)
        except Exception as exc:  # never let recording break anything
            logger.warning("recording %s failed: %s", path, exc.__class__.__name__)

    async def rate(self, sender: str, score: int, comment: str | None, procedure_slug: str | None) -> bool:
        """Store a rating; False (logged) when the API did not take it."""
        body = {"sender": sender, "score": score, "comment": comment, "procedure_slug": procedure_slug}
        try:
            response = await self.request("POST", "/api/v1/ratings", json=body)
        except ApiUnavailable as exc:
            logger.warning("rating not stored: %s", exc)
            return False
        return response.status_code == 201

    async def feedback(self, sender: str, kind: str, text: str) -> int | None:
        """Store a feedback/complaint item; its id, or None when the API did not take it."""
        response = await self.request("POST", "/api/v1/feedback", json={"sender": sender, "kind": kind, "text": text[:5000]})
        return int(response.json()["id"]) if response.status_code == 201 else None

    async def create_ticket(self, sender: str, question: str, procedure_slug: str | None) -> str | None:
        """Hand a question to the staff; the ticket code, or None when the API did not take it."""
        body = {"sender": sender, "question": question[:5000], "procedure_slug": procedure_slug}
        response = await self.request("POST", "/api/v1/tickets", json=body)
        return str(response.json()["ticket"]) if response.status_code == 201 else None

    async def ticket(self, code: str) -> dict[str, Any] | None:
        """A ticket as the user may see it, or None when unknown."""
        response = await self.request("GET", f"/api/v1/tickets/{code}")
        if response.status_code != 200:
            return None
        result: dict[str, Any] = response.json()
        return result


_client: RecordsClient | None = None


def get_records_client() -> RecordsClient:
    """The process-wide client, created on first use."""
    global _client
    if _client is None:
        _client = RecordsClient(api_url(), internal_token())
    return _client


async def flush_pending() -> None:
    """Post queued turn records, if any (the action server's stop listener, see actions/__init__.py)."""
    if _client is not None:
        await _client.flush()


def record_reply(
    tracker: Any, answered: bool, procedure_slug: str | None = None, topic_slug: str | None = None, text: str | None = None
) -> None:
    """Record the bot's answer to the latest user message (never raises, never waits)."""
    if os.environ.get("DVC_RECORD_TURNS", "1") == "0":  # recording switched off (the benchmark's baseline)
        return
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    try:
        get_records_client().record_turn(
            tracker.sender_id,
            str(message.get("text") or "") if text is None else text,
            intent,
            procedure_slug,
            topic_slug,
            answered,
        )
    except Exception as exc:  # no running loop, bad tracker: recording is best effort
        logger.warning("recording skipped: %s", exc.__class__.__name__)
