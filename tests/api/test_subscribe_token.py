"""The subscribe token: bound to its key, code and recipient, and expiring."""

from __future__ import annotations

from api.dossiers.subscribe_token import TOKEN_SECONDS, issue, verify
from textnorm.privacy import mask

KEY, CODE, WHO = b"k" * 32, "000.00.31.H26-260112-0003", "telegram:42"


def test_a_token_verifies_only_for_its_key_code_recipient_and_time() -> None:
    token = issue(KEY, CODE, WHO, now=1_000_000)
    assert verify(KEY, token, CODE, WHO, now=1_000_000 + TOKEN_SECONDS)
    assert not verify(KEY, token, CODE, WHO, now=1_000_001 + TOKEN_SECONDS), "expired"
    assert not verify(b"x" * 32, token, CODE, WHO, now=1_000_000)
    assert not verify(KEY, token, CODE.replace("0003", "0004"), WHO, now=1_000_000)
    assert not verify(KEY, token, CODE, "web:42", now=1_000_000)
    assert not verify(KEY, token + "A", CODE, WHO, now=1_000_000) and not verify(KEY, "%%%", CODE, WHO, now=1_000_000)


def test_tokens_survive_the_tracker_stores_masking() -> None:
    tokens = [issue(KEY, CODE, f"telegram:{n}", now=1_800_000_000 + n) for n in range(2000)]
    assert all(mask(t) == t for t in tokens)
