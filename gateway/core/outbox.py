"""Push queued notifications (dossier status changes, staff answers) to the chats that subscribed, on any channel."""

from __future__ import annotations

import logging
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


async def deliver_once(sender: PushSender, outbox: OutboxClient, interval: float) -> float:
    """One round: send every pending notification and acknowledge it; returns the pause before the next round."""
    try:
        pending = await outbox.pending(sender.channel)
    except ApiUnavailable as exc:
        log.warning("outbox unavailable: %s", exc)
        return interval
    for item in pending:
        notification = int(item["id"])
        chat = chat_of(sender.channel, str(item["recipient"]))
        try:
            if chat is None:
                raise Undeliverable("recipient is not a chat of this channel")
            for part in split_text(str(item["text"]), sender.text_limit):
                await sender.push(chat, part)
            await outbox.delivered(notification)
        except Undeliverable as exc:
            log.warning("%s notification %s dropped: %s", sender.channel, notification, exc)
            await _ack_quietly(outbox, notification)
        except RateLimited as exc:
            log.warning("%s asked to slow down: %s", sender.channel, exc)
            return max(exc.retry_after, interval)
        except (TemporaryFailure, ApiUnavailable) as exc:
            log.warning("%s notification %s not delivered yet: %s", sender.channel, notification, exc)
    return interval


async def _ack_quietly(outbox: OutboxClient, notification_id: int) -> None:
    try:
        await outbox.delivered(notification_id)
    except ApiUnavailable as exc:
        log.warning("could not acknowledge notification %s: %s", notification_id, exc)
