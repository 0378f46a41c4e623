"""The channel a sender id belongs to (`telegram:<chat id>`, `web:<uuid4>`, `classroom:<anything>`)."""

from __future__ import annotations

CHANNELS = ("telegram", "web", "classroom")


def channel_of(sender: str) -> str:
    """`telegram`, `web`, `classroom`, or `other` for anything else."""
    prefix, sep, rest = sender.partition(":")
    return prefix if sep and rest and prefix in CHANNELS else "other"
