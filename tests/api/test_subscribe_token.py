"""The subscribe token: bound to its key, code and recipient, and expiring."""

from __future__ import annotations

import time

import pytest

from api.dossiers.subscribe_token import TOKEN_SECONDS, issue, verify
from api.settings import Settings
from textnorm.privacy import mask

KEY, CODE, WHO = Settings(secret_key="k" * 32), "000.00.31.H26-260112-0003", "telegram:42"


def test_a_token_verifies_only_for_its_key_code_recipient_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_000_000.0)
    token = issue(KEY, CODE, WHO)
    monkeypatch.setattr(time, "time", lambda: 1_000_000.0 + TOKEN_SECONDS)
    assert verify(KEY, token, CODE, WHO)
    monkeypatch.setattr(time, "time", lambda: 1_000_001.0 + TOKEN_SECONDS)
    assert not verify(KEY, token, CODE, WHO), "expired"
    monkeypatch.setattr(time, "time", lambda: 1_000_000.0)
    assert not verify(Settings(secret_key="x" * 32), token, CODE, WHO)
    assert not verify(KEY, token, CODE.replace("0003", "0004"), WHO)
    assert not verify(KEY, token, CODE, "web:42")
    assert not verify(KEY, token + "A", CODE, WHO) and not verify(KEY, "%%%", CODE, WHO)


def test_tokens_survive_the_tracker_stores_masking(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = []
    for n in range(2000):
        monkeypatch.setattr(time, "time", lambda n=n: 1_800_000_000.0 + n)
        tokens.append(issue(KEY, CODE, f"telegram:{n}"))
    assert all(mask(t) == t for t in tokens)
