"""Client for recording turns, ratings, feedback and tickets (docs/contracts.md, issue 5)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
from typing import Any

from actions.api_client import ApiUnavailable
from actions.http import path_part, slug_or_none
from actions.internal_client import InternalClient, api_url, internal_token

logger = logging.getLogger(__name__)
RECORD_TIMEOUT = 1.0  # recording must never hold a reply up
FLUSH_SECONDS = 0.5  # turns are posted in batches: one API request per half second, not one per turn
MAX_BATCH = 200
MAX_BACKOFF = 60.0  # seconds between retries while the API is down
MAX_PENDING = 20_000  # turns kept while the API is down (a few MB at most)
TICKET_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$")  # HT-ABCD2345 as typed; the API normalises it


class RecordsClient(InternalClient):
    """Turn records are fire-and-forget; feedback and tickets are awaited because the reply quotes their ids.

    A batch the API could not take (down, timeout, 5xx, 429) stays queued and is sent again with a backoff
    (FLUSH_SECONDS doubling up to MAX_BACKOFF): an outage of the API loses no turn. The queue is bounded by
    MAX_PENDING; beyond it the oldest turns are dropped (and counted in the log) so memory never grows unbounded.
    """

    def __init__(self, base_url: str, token: str) -> None:
        super().__init__(base_url, token)
        self._buffer: list[dict[str, Any]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._sending = False
        self.dropped = 0

    def record_turn(
        self, sender: str, text: str, intent: str | None, procedure_slug: str | None, topic_slug: str | None, answered: bool
    ) -> None:
        """Queue the turn; a background task posts the queue as one batch every FLUSH_SECONDS (retried on failure)."""
        self._buffer.append({
            "sender": sender, "text": text[:5000], "intent": intent, "procedure_slug": slug_or_none(procedure_slug),
            "topic_slug": slug_or_none(topic_slug), "answered": answered, "at": dt.datetime.now(dt.timezone.utc).isoformat(),
        })  # fmt: skip
        if len(self._buffer) > MAX_PENDING:
            excess = len(self._buffer) - MAX_PENDING
            del self._buffer[:excess]
            self.dropped += excess
            logger.warning("turn queue full: %d oldest turns dropped (%d so far)", excess, self.dropped)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    @property
    def pending(self) -> int:
        """Turns queued and not yet taken by the API."""
        return len(self._buffer)

    async def _flush_soon(self) -> None:
        """Wait a moment so turns arriving together share one request, then post them; back off while that fails."""
        delay = FLUSH_SECONDS
        while True:
            await asyncio.sleep(delay)
            if await self.flush():
                return
            delay = min(MAX_BACKOFF, delay * 2)

    async def flush(self) -> bool:
        """Post every queued turn now (also as the action server stops); False when a batch must wait for a retry."""
        if self._sending:  # one sender at a time, so a batch is never posted twice
            return False
        self._sending = True
        try:
            while self._buffer:
                batch, dropped = self._buffer[:MAX_BATCH], self.dropped
                if not await self._post_batch(batch):
                    return False
                already_gone = min(len(batch), self.dropped - dropped)  # dropped from the head meanwhile (queue full)
                del self._buffer[: len(batch) - already_gone]
            return True
        finally:
            self._sending = False

    async def _post_batch(self, batch: list[dict[str, Any]]) -> bool:
        """True when the API took the batch (or refused it for good: retrying a malformed body cannot help)."""
        path = "/api/v1/records/turns/batch"
        try:
            response = await self.http.request("POST", path, json={"turns": batch}, timeout=RECORD_TIMEOUT)
        except Exception as exc:  # never let recording break anything
            logger.warning("recording %s failed, will retry: %s", path, exc.__class__.__name__)
            return False
        if response.status_code >= 500 or response.status_code in (401, 403, 408, 429):
            logger.warning("recording %s failed, will retry: HTTP %s", path, response.status_code)
            return False
        if response.status_code >= 400:
            logger.warning("recording %s refused: HTTP %s (batch of %d dropped)", path, response.status_code, len(batch))
        elif rejected := response.json().get("rejected"):
            logger.warning("recording %s: %d malformed turns refused (indexes %s)", path, len(rejected), rejected[:10])
        return True

    async def rate(self, sender: str, score: int, comment: str | None, procedure_slug: str | None) -> bool:
        """Store a rating; False (logged) when the API did not take it."""
        body = {"sender": sender, "score": score, "comment": comment, "procedure_slug": slug_or_none(procedure_slug)}
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
        body = {"sender": sender, "question": question[:5000], "procedure_slug": slug_or_none(procedure_slug)}
        response = await self.request("POST", "/api/v1/tickets", json=body)
        return str(response.json()["ticket"]) if response.status_code == 201 else None

    async def ticket(self, code: str) -> dict[str, Any] | None:
        """A ticket as the user may see it, or None when unknown (or not shaped like a ticket code at all)."""
        if not TICKET_TEXT.fullmatch(code.strip()):
            return None
        response = await self.request("GET", f"/api/v1/tickets/{path_part(code.strip())}")
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
