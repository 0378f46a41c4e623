"""The commands every chat gateway understands (`/tracuu` typed or picked from the menu) and the Rasa payloads they stand for."""

from __future__ import annotations

COMMAND_PAYLOADS: dict[str, str] = {
    "start": "/greet",
    "help": "/help",
    "huy": "/cancel",
    "tracuu": "/lookup_dossier",
    "hoc": "/classroom",
}

# Commands that carry text after them (`/hoc K7M2PQ Mèo`): the payload's intent and the entity the text goes in.
COMMAND_ARGUMENTS: dict[str, tuple[str, str]] = {"hoc": ("/classroom_join", "join_text")}
ARGUMENT_CHARS = 80
# `/start hoc_K7M2PQ` from a t.me link (the QR code on the teacher's page): the argument's prefix and what it stands for.
DEEP_LINKS: dict[str, tuple[str, str]] = {"hoc_": ("/classroom_join", "join_text")}
