"""The gateway's own Vietnamese texts, kept in messages.yml rather than in code."""

from __future__ import annotations

import functools
import pathlib
from dataclasses import dataclass

import yaml

MESSAGES_FILE = pathlib.Path(__file__).with_name("messages.yml")


@dataclass(frozen=True)
class Messages:
    """Texts the gateways send when the bot cannot answer, the hint under numbered choices, and the command menu."""

    rasa_down: str
    rate_limited: str
    button_expired: str
    empty_reply: str
    not_text: str
    menu_hint: str
    commands: dict[str, str]


@functools.lru_cache(maxsize=1)
def load_messages(path: pathlib.Path = MESSAGES_FILE) -> Messages:
    """Read and check the texts once (a missing key fails at start-up, not in a chat)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Messages(**data)
