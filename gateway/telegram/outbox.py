"""Push queued notifications (dossier status changes, staff answers) to the Telegram chats that subscribed."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from gateway.telegram.api_client import ApiUnavailable, OutboxClient
from gateway.telegram.rendering import split_text

log = logging.getLogger(__name__)


def chat_id_of(recipient: str) -> int | None:
    """`telegram:<chat id>` → the chat id; None for anything else."""
    channel, _, rest = recipient.partition(":")
    if channel != "telegram":
        return None
    try:
        return int(rest)
    except ValueError:
        return None


async def deliver_once(bot: Bot, outbox: OutboxClient) -> int:
    """One round: send every pending notification and acknowledge it; failures wait for the next round."""
    try:
        pending = await outbox.pending("telegram")
    except ApiUnavailable as exc:
        log.warning("outbox unavailable: %s", exc)
        return 0
    sent = 0
    for item in pending:
        chat_id = chat_id_of(str(item["recipient"]))
        try:
            if chat_id is not None:
                for part in split_text(str(item["text"])):
                    await bot.send_message(chat_id, part)
                sent += 1
            await outbox.delivered(int(item["id"]))
        except (Forbidden, BadRequest) as exc:
            # The chat blocked the bot or no longer exists: retrying would never succeed.
            log.warning("notification %s dropped for chat %s: %s", item["id"], chat_id, exc)
            await _ack_quietly(outbox, int(item["id"]))
        except (TelegramError, ApiUnavailable) as exc:
            log.warning("notification %s not delivered yet: %s", item["id"], exc)
    return sent


async def _ack_quietly(outbox: OutboxClient, notification_id: int) -> None:
    try:
        await outbox.delivered(notification_id)
    except ApiUnavailable as exc:
        log.warning("could not acknowledge notification %s: %s", notification_id, exc)


async def run_poller(bot: Bot, outbox: OutboxClient, interval: float) -> None:
    """Poll forever (until cancelled at shutdown); any unexpected error is logged and the loop goes on."""
    while True:
        try:
            await deliver_once(bot, outbox)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox round failed")
        await asyncio.sleep(interval)
