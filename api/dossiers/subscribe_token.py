"""A short-lived proof that a conversation has just verified a dossier, so subscribing needs no kept digits.

The lookup returns it to the action server (internal token, sender given); the subscription endpoint accepts
it instead of the digits. It names the code and the recipient and expires after 15 minutes: stolen, it can
only subscribe the same conversation to the same dossier. Letters and `-_` keep it clear of the phone-number
masking that the tracker store applies to slot values.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOKEN_SECONDS = 15 * 60


def _mac(key: bytes, expires: int, code: str, recipient: str) -> bytes:
    return hmac.new(key, f"{expires}|{code}|{recipient}".encode(), hashlib.sha256).digest()[:16]


def issue(key: bytes, code: str, recipient: str, now: float | None = None) -> str:
    """A token for `recipient` to subscribe to `code` within TOKEN_SECONDS."""
    expires = int(now if now is not None else time.time()) + TOKEN_SECONDS
    raw = expires.to_bytes(5, "big") + _mac(key, expires, code, recipient)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def verify(key: bytes, token: str, code: str, recipient: str, now: float | None = None) -> bool:
    """True when the token was issued with `key` for this code and recipient and has not expired."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return False
    if len(raw) != 21:
        return False
    expires = int.from_bytes(raw[:5], "big")
    fresh = expires >= (now if now is not None else time.time())
    return fresh and hmac.compare_digest(raw[5:], _mac(key, expires, code, recipient))
