"""Over the real REST channel: a phone number, a CCCD and an e-mail typed in chat are stored nowhere and logged nowhere."""

from __future__ import annotations

import json
import pathlib
import sqlite3
import uuid

import pytest

from tests.conftest import RasaServer

pytestmark = pytest.mark.rasa
SECRETS = ("0386 204 517", "0386204517", "001203004567", "phu.huynh@example.com")


def dump(url: str) -> str:
    """Everything in a SQLite file, with JSON columns also decoded (so escaped text is seen as typed)."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        raw = "\n".join(conn.iterdump())
        names = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [str(c) for t in names for row in conn.execute(f'SELECT * FROM "{t}"') for c in row]
    decoded = []
    for cell in cells:
        try:
            decoded.append(json.dumps(json.loads(cell), ensure_ascii=False))
        except ValueError:
            decoded.append(cell)
    return raw + "\n" + "\n".join(decoded)


def test_personal_data_typed_in_chat_is_masked_everywhere(
    rasa: RasaServer, tracker_db_url: str, db_url: str, logdir: pathlib.Path
) -> None:
    sender = f"web:{uuid.uuid4()}"
    for message in ("xin chào", "số điện thoại của em là 0386 204 517", "CCCD 001203004567", "email phu.huynh@example.com"):
        rasa.say(sender, message)
    tracker = dump(tracker_db_url)
    assert sender in tracker and "[SĐT]" in tracker and "[CCCD]" in tracker and "[EMAIL]" in tracker
    api = dump(db_url)
    logs = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logdir.glob("*.log"))
    for secret in SECRETS:
        assert secret not in tracker, secret
        assert secret not in api, secret
        assert secret not in logs, secret


# Written as users type them; each value is searched for in every store and log, next to its context.
TYPED = {
    "cccd 001-203-012-345": "001-203-012-345",
    "so cmnd cua em la 123 456 789": "123 456 789",
    "goi em so 0084912345678 nhe": "0084912345678",
    "tra cuu ho so 000.00.31.H26-260112-0007 so cuoi 7777": "so cuoi 7777",
}


def test_ids_and_verification_digits_typed_in_chat_are_masked_everywhere(
    rasa: RasaServer, tracker_db_url: str, db_url: str, logdir: pathlib.Path
) -> None:
    sender = f"web:{uuid.uuid4()}"
    for message in TYPED:
        rasa.say(sender, message)
    tracker = dump(tracker_db_url)
    assert sender in tracker and "000.00.31.H26-260112-0007" in tracker and "so cuoi ****" in tracker
    api = dump(db_url)
    logs = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logdir.glob("*.log"))
    for secret in TYPED.values():
        assert secret not in tracker, secret
        assert secret not in api, secret
        assert secret not in logs, secret
