"""One conversation turn, the same for every chat channel: rate limit, typing indicator, Rasa, rendered replies.

An adapter turns its platform's updates into `converse(chat, text)` calls and implements `Transport` to send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from gateway.core.messages import Messages
from gateway.core.rasa_client import RasaClient, RasaUnavailable
from gateway.core.ratelimit import RateLimiter
from gateway.core.rendering import Reply, render
from textnorm.commands import command_payload

log = logging.getLogger(__name__)
TYPING_EVERY = 4.0  # seconds; chat apps show "typing…" for about five


class Transport(Protocol):
    """What a channel adapter provides to the shared core."""

    channel: str  # the registry name: sender ids are `<channel>:<chat>`
    text_limit: int  # the longest text one message may carry

    async def send(self, chat: str, reply: Reply) -> None:
        """Send one reply (text and buttons drawn the channel's way)."""

    async def typing(self, chat: str) -> None:
        """Show "typing…" once (failures are the adapter's to swallow)."""


# Called after each turn with (seconds the whole turn took, seconds of it spent waiting for Rasa): the benchmark.
TurnTimer = Callable[[float, float], None]


class Conversations:
    """The state turns share: the Rasa client, the rate limit, the texts, one lock per chat (order within a chat)."""

    def __init__(self, transport: Transport, rasa: RasaClient, messages: Messages, limiter: RateLimiter) -> None:
        self.transport = transport
        self.rasa = rasa
        self.messages = messages
        self.limiter = limiter
        self.timer: TurnTimer | None = None
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def command_payload(self, text: str) -> str | None:
        """`/tracuu`, `/start@bot` → the Rasa payload of that command; None for anything else."""
        return command_payload(text)

    async def say(self, chat: str, text: str) -> None:
        """One plain message of the gateway's own (an apology, a notice)."""
        await self.transport.send(chat, Reply(text))

    async def converse(self, chat: str, text: str) -> None:
        """One turn for one chat, in order per chat; Rasa down gets the polite apology."""
        started = time.perf_counter()
        if not self.limiter.allow(chat):
            if self.limiter.should_warn(chat):
                await self.say(chat, self.messages.rate_limited)
            return
        lock = self._locks.get(chat)
        if lock is None:
            lock = self._locks[chat] = asyncio.Lock()
        async with lock:
            waited = 0.0
            try:
                async with self.typing(chat):
                    asked = time.perf_counter()
                    try:
                        replies = await self.rasa.send(f"{self.transport.channel}:{chat}", text)
                    finally:
                        waited = time.perf_counter() - asked
            except RasaUnavailable as exc:
                log.warning("rasa unavailable for a %s chat: %s", self.transport.channel, exc)
                await self.say(chat, self.messages.rasa_down)
                return
            outgoing = render(replies, self.transport.text_limit)
            if not outgoing:
                await self.say(chat, self.messages.empty_reply)
            for reply in outgoing:
                await self.transport.send(chat, reply)
        if self.timer is not None:
            self.timer(time.perf_counter() - started, waited)

    @contextlib.asynccontextmanager
    async def typing(self, chat: str) -> AsyncIterator[None]:
        """Show "typing…" in the chat for as long as the block runs."""

        async def keep_typing() -> None:
            while True:
                await self.transport.typing(chat)
                await asyncio.sleep(TYPING_EVERY)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def forever(name: str, step: Callable[[], Awaitable[float]]) -> None:
    """Run `step` until cancelled, sleeping what it returns; an unexpected error is logged and the loop goes on."""
    while True:
        try:
            pause = await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s round failed", name)
            pause = 1.0
        await asyncio.sleep(pause)
