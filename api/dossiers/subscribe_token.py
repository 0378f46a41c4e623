"""A proof that a conversation has verified a dossier, so subscribing and looking it up again need no kept digits.

The lookup returns it to the action server (internal token, sender given); the subscription endpoint accepts
it instead of the digits, and a later lookup from the same conversation passes the lockout with it (the real
applicant keeps access while strangers' guesses keep the code locked). It is the API's usual signed, expiring
token (`api.admin.auth.sign`) naming the code and the recipient: stolen, it only works for the same
conversation and the same dossier, for TOKEN_SECONDS. Being base64, it passes the phone-number masking that the
tracker store applies to slot values.
"""

from __future__ import annotations

from api.admin.auth import sign, unsign
from api.settings import Settings

PURPOSE = "subscribe"
TOKEN_SECONDS = 7 * 24 * 3600  # about as long as a dossier waits for its result


def issue(settings: Settings, code: str, recipient: str) -> str:
    """A token for `recipient` to subscribe to `code` within TOKEN_SECONDS."""
    return sign(settings, PURPOSE, {"code": code, "to": recipient}, TOKEN_SECONDS)


def verify(settings: Settings, token: str, code: str, recipient: str) -> bool:
    """True when the token was signed by this API for this code and recipient and has not expired."""
    payload = unsign(settings, PURPOSE, token)
    return payload is not None and payload.get("code") == code and payload.get("to") == recipient
