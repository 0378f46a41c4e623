"""Push queued notifications (dossier status changes, staff answers) to the chats that subscribed, on any channel."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from typing import Protocol

from gateway.core.outbox_client import ApiUnavailable, OutboxClient
from gateway.core.rendering import split_text
from textnorm.channels import registry

log = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The platform refused for good (the chat blocked the bot, no longer exists): retrying would never succeed."""


class RateLimited(Exception):
    """The platform asked to slow down: the round stops and the next starts after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:g} s")
        self.retry_after = retry_after


class TemporaryFailure(Exception):
    """The platform failed this time (5xx, network): the notification waits for the next round."""


class PushSender(Protocol):
    """What a channel adapter provides for pushes."""

    channel: str
    text_limit: int

    async def push(self, chat: str, text: str) -> None:
        """Send one plain message; raise Undeliverable, RateLimited or TemporaryFailure when it was not sent."""


def chat_of(channel: str, recipient: str) -> str | None:
    """The chat id of `<channel>:<chat>` when it has the registry's format for that channel, else None."""
    entry = registry().get(channel)
    return entry.chat_of(recipient) if entry is not None else None


class Outbox:
    """One gateway process's share of the outbox: it leases messages, sends them, and reports each outcome."""

    def __init__(self, sender: PushSender, client: OutboxClient, interval: float, lease_seconds: float = 60.0) -> None:
        self.sender = sender
        self.client = client
        self.interval = interval
        self.lease_seconds = lease_seconds
        self.owner = f"{sender.channel}-{socket.gethostname()[:40]}-{os.getpid()}-{secrets.token_hex(3)}"

    async def deliver_once(self) -> float:
        """One round; returns the pause before the next (longer when the platform asked to slow down)."""
        channel = self.sender.channel
        try:
            items = await self.client.lease(channel, self.owner, self.lease_seconds)
        except ApiUnavailable as exc:
            log.warning("outbox unavailable: %s", exc)
            return self.interval
        for index, item in enumerate(items):
            notification = int(item["id"])
            chat = chat_of(channel, str(item["recipient"]))
            try:
                if chat is None:
                    raise Undeliverable("bad_recipient")
                for part in split_text(str(item["text"]), self.sender.text_limit):
                    await self.sender.push(chat, part)
                await self.client.delivered(notification)
            except Undeliverable as exc:
                log.warning("%s notification %s not deliverable: %s", channel, notification, exc)
                reason = "bad_recipient" if chat is None else "blocked"
                await self._report(notification, reason, None, str(exc))
            except RateLimited as exc:
                log.warning("%s asked to slow down: %s", channel, exc)
                for rest in items[index:]:  # give the others back now rather than when the lease ends
                    await self._report(int(rest["id"]), "rate_limited", exc.retry_after, str(exc))
                return max(exc.retry_after, self.interval)
            except TemporaryFailure as exc:
                log.warning("%s notification %s not delivered yet: %s", channel, notification, exc)
                await self._report(notification, "platform_error", None, str(exc))
            except ApiUnavailable as exc:  # sent but not acknowledged: the lease runs out and it is sent again
                log.warning("%s notification %s sent but not acknowledged: %s", channel, notification, exc)
        return self.interval

    async def _report(self, notification_id: int, reason: str, retry_after: float | None, detail: str) -> None:
        try:
            await self.client.failed(notification_id, reason, retry_after, detail)
        except ApiUnavailable as exc:
            log.warning("could not report notification %s: %s", notification_id, exc)
