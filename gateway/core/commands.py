"""The commands every chat gateway understands (`/tracuu` typed or picked from the menu) and the Rasa payloads they stand for."""

from __future__ import annotations

COMMAND_PAYLOADS: dict[str, str] = {
    "start": "/greet",
    "help": "/help",
    "huy": "/cancel",
    "tracuu": "/lookup_dossier",
    "hoc": "/classroom",
}
