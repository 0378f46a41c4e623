"""Telegram commands and the Rasa payloads they stand for (docs/contracts.md, issue 6)."""

from __future__ import annotations

COMMAND_PAYLOADS: dict[str, str] = {
    "start": "/greet",
    "help": "/help",
    "huy": "/cancel",
    "tracuu": "/lookup_dossier",
    "hoc": "/classroom",
}
