"""The channel a sender id belongs to (`telegram:<chat id>`, `web:<uuid4>`, `classroom:<anything>`) and the limits
every channel applies to what it receives (shared by Rasa's channels, the actions and the Telegram gateway)."""

from __future__ import annotations

CHANNELS = ("telegram", "web", "classroom")
# Channels whose sender ids only an authenticated gateway may create (a chat there is a real person's account).
GATEWAY_CHANNELS = ("telegram", "zalo")
# The longest message read as a question; a longer one is cut to this (plus "…") and gets a polite request to shorten.
MAX_MESSAGE_CHARS = 1000
# The largest request body a channel reads: far above any message worth reading, small enough to parse in a moment.
MAX_BODY_BYTES = 2 * 1024 * 1024
ELLIPSIS = "…"


def channel_of(sender: str) -> str:
    """`telegram`, `web`, `classroom`, or `other` for anything else."""
    prefix, sep, rest = sender.partition(":")
    return prefix if sep and rest and prefix in CHANNELS else "other"


def is_gateway_sender(sender: str) -> bool:
    """True for a sender id that names a gateway's chat (`telegram:…`, `Zalo :…`), however it is spelled."""
    prefix, sep, _ = sender.partition(":")
    return bool(sep) and prefix.strip().lower() in GATEWAY_CHANNELS


def public_sender(sender: str) -> str:
    """A sender id as a public channel may use it: a gateway's prefix is kept out (`telegram:1` → `other:telegram:1`)."""
    return f"other:{sender}" if is_gateway_sender(sender) else sender


def cap_message(text: str) -> str:
    """Cut a message longer than MAX_MESSAGE_CHARS to that length plus "…" (so it still reads as too long)."""
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + ELLIPSIS


def is_too_long(text: str) -> bool:
    """A message over the limit (one a channel has cut, or one that reached the bot some other way)."""
    return len(text) > MAX_MESSAGE_CHARS
