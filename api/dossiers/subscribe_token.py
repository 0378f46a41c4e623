"""A short-lived proof that a conversation has just verified a dossier, so subscribing needs no kept digits.

The lookup returns it to the action server (internal token, sender given); the subscription endpoint accepts
it instead of the digits. It is the API's usual signed, expiring token (`api.admin.auth.sign`) naming the code
and the recipient: stolen, it can only subscribe the same conversation to the same dossier, for 15 minutes.
Being base64, it passes the phone-number masking that the tracker store applies to slot values.
"""

from __future__ import annotations

from api.admin.auth import sign, unsign
from api.settings import Settings

PURPOSE = "subscribe"
TOKEN_SECONDS = 15 * 60


def issue(settings: Settings, code: str, recipient: str) -> str:
    """A token for `recipient` to subscribe to `code` within TOKEN_SECONDS."""
    return sign(settings, PURPOSE, {"code": code, "to": recipient}, TOKEN_SECONDS)


def verify(settings: Settings, token: str, code: str, recipient: str) -> bool:
    """True when the token was signed by this API for this code and recipient and has not expired."""
    payload = unsign(settings, PURPOSE, token)
    return payload is not None and payload.get("code") == code and payload.get("to") == recipient
