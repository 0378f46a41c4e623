"""The chat commands people type on every channel (`/tracuu`, `/hoc K7M2PQ Mèo`) and the Rasa payloads they stand for.

Shared by the gateways (Telegram, Zalo) and Rasa's own web channels, so a teacher's "gõ /hoc <mã lớp>" works
whichever app the class uses.
"""

from __future__ import annotations

import json

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
CLASS_LINK_PREFIX = "hoc_"
DEEP_LINKS: dict[str, tuple[str, str]] = {CLASS_LINK_PREFIX: ("/classroom_join", "join_text")}


def command_payload(text: str) -> str | None:
    """`/tracuu`, `/start@bot`, `/hoc K7M2PQ Mèo` → the Rasa payload of that command; None for anything else."""
    if not text.startswith("/"):
        return None
    head, *rest = text.split(maxsplit=1)
    command = head[1:].split("@")[0].lower()
    argument = rest[0].strip()[:ARGUMENT_CHARS] if rest else ""
    if argument and command in COMMAND_ARGUMENTS:  # the text goes in as an entity, JSON-escaped
        intent, entity = COMMAND_ARGUMENTS[command]
        return intent + json.dumps({entity: argument}, ensure_ascii=False)
    for prefix, (intent, entity) in DEEP_LINKS.items():
        if command == "start" and argument.startswith(prefix):  # a t.me link's `?start=hoc_K7M2PQ`
            return intent + json.dumps({entity: argument.removeprefix(prefix)}, ensure_ascii=False)
    return COMMAND_PAYLOADS.get(command)
