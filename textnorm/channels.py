"""The one registry of channels (textnorm/channels.yml): a sender id's channel (`zalo:<chat id>`, `web:<uuid4>`, …),
who may see it, whether it can be pushed to, its quota, and the limits every channel applies to what it receives
(shared by Rasa's channels, the actions, the API and the gateways)."""

from __future__ import annotations

import functools
import pathlib
import re
from dataclasses import dataclass
from typing import Any

import yaml

REGISTRY_FILE = pathlib.Path(__file__).with_name("channels.yml")
OTHER = "other"
# The longest message read as a question; a longer one is cut to this (plus "…") and gets a polite request to shorten.
MAX_MESSAGE_CHARS = 1000
# The largest request body a channel reads: far above any message worth reading, small enough to parse in a moment.
MAX_BODY_BYTES = 2 * 1024 * 1024
ELLIPSIS = "…"


@dataclass(frozen=True)
class Channel:
    """One channel as the registry describes it."""

    name: str
    label: str
    sender: re.Pattern[str]
    push: bool
    gateway: bool
    roles: tuple[str, ...]
    reply_window_hours: float | None = None
    monthly_push_cap: int | None = None

    def chat_of(self, sender: str) -> str | None:
        """The chat id inside `<name>:<chat id>` when it has this channel's format, else None."""
        prefix, sep, rest = sender.partition(":")
        return rest if sep and prefix == self.name and self.sender.fullmatch(rest) else None


@dataclass(frozen=True)
class Registry:
    """Every channel in the order staff see them, plus the label and roles of senders no channel claims."""

    channels: tuple[Channel, ...]
    other_label: str
    other_roles: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    def get(self, name: str) -> Channel | None:
        """The channel called `name`, or None."""
        return next((c for c in self.channels if c.name == name), None)

    def labels(self) -> dict[str, str]:
        """name → label, `other` last (the admin pages' and exports' names)."""
        return {**{c.name: c.label for c in self.channels}, OTHER: self.other_label}

    def visible_to(self, role: str) -> tuple[str, ...]:
        """The report channels (including `other`) a staff role may see."""
        names = tuple(c.name for c in self.channels if role in c.roles)
        return (*names, OTHER) if role in self.other_roles else names


def _channel(entry: dict[str, Any]) -> Channel:
    window, cap = entry.get("reply_window_hours"), entry.get("monthly_push_cap")
    return Channel(
        name=str(entry["name"]),
        label=str(entry["label"]),
        sender=re.compile(str(entry["sender"])),
        push=bool(entry["push"]),
        gateway=bool(entry["gateway"]),
        roles=tuple(entry["roles"]),
        reply_window_hours=None if window is None else float(window),
        monthly_push_cap=None if cap is None else int(cap),
    )


@functools.lru_cache(maxsize=2)
def registry(path: pathlib.Path = REGISTRY_FILE) -> Registry:
    """Read and check the registry once (a malformed entry fails at start-up, not in a report)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    channels = tuple(_channel(e) for e in data["channels"])
    names = [c.name for c in channels]
    if len(set(names)) != len(names) or OTHER in names or not all(re.fullmatch(r"[a-z]{2,20}", n) for n in names):
        raise ValueError(f"{path}: channel names must be unique lowercase words, not '{OTHER}'")
    other = data.get("other") or {}
    return Registry(channels, str(other.get("label", "Khác")), tuple(other.get("roles", ("admin", "staff"))))


def channel_names() -> tuple[str, ...]:
    """The registered channels' names (without `other`)."""
    return registry().names


def report_channels() -> tuple[str, ...]:
    """Every value a report's channel column can take: the registered channels and `other`."""
    return (*registry().names, OTHER)


def channel_of(sender: str) -> str:
    """The registered channel named by the sender id's prefix, or `other` for anything else."""
    prefix, sep, rest = sender.partition(":")
    return prefix if sep and rest and prefix in registry().names else OTHER


def can_push(sender: str) -> bool:
    """True when the sender's channel can receive notifications."""
    channel = registry().get(channel_of(sender))
    return channel is not None and channel.push


def is_gateway_sender(sender: str) -> bool:
    """True for a sender id that names a gateway's chat (`telegram:…`, `Zalo :…`), however it is spelled."""
    prefix, sep, _ = sender.partition(":")
    channel = registry().get(prefix.strip().lower())
    return bool(sep) and channel is not None and channel.gateway


def public_sender(sender: str) -> str:
    """A sender id as a public channel may use it: a gateway's prefix is kept out (`telegram:1` → `other:telegram:1`)."""
    return f"{OTHER}:{sender}" if is_gateway_sender(sender) else sender


def cap_message(text: str) -> str:
    """Cut a message longer than MAX_MESSAGE_CHARS to that length plus "…" (so it still reads as too long)."""
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + ELLIPSIS


def is_too_long(text: str) -> bool:
    """A message over the limit (one a channel has cut, or one that reached the bot some other way)."""
    return len(text) > MAX_MESSAGE_CHARS
