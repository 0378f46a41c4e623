"""Passwords (argon2), signed tokens for sessions, CSRF and the report API, and the login attempt limit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from limits import RateLimitItem
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import ratelimit
from api.admin.models import ROLES, UserRow
from api.settings import Settings

_HASHER = PasswordHasher()
_PROCESS_KEY = secrets.token_bytes(32)
# A hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(8))


def hash_password(password: str) -> str:
    """An argon2id hash."""
    return _HASHER.hash(password)


def upsert_user(session: Session, username: str, password: str, role: str) -> UserRow:
    """Create the account or reset its password and role (used at startup and by `create-admin`)."""
    if role not in ROLES:
        raise ValueError(f"unknown role: {role}")
    if not username.strip() or len(password) < 8:
        raise ValueError("username required and password of at least 8 characters")
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    if user is None:
        user = UserRow(username=username, role=role, active=True, created_at=dt.datetime.now(dt.UTC), password_hash="")
        session.add(user)
    user.password_hash, user.role, user.active = hash_password(password), role, True
    session.commit()
    return user


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.active else None


def active_user(session: Session, username: str) -> UserRow | None:
    """The account behind a token, if it still exists and is active (its current role counts)."""
    user = session.scalar(select(UserRow).where(UserRow.username == username))
    return user if user is not None and user.active else None


def _key(settings: Settings) -> bytes:
    return settings.secret_key.encode() if settings.secret_key else _PROCESS_KEY


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(settings: Settings, purpose: str, payload: dict[str, Any], ttl_seconds: int) -> str:
    """A compact signed, expiring token (HMAC-SHA256 over the JSON payload)."""
    body = _b64(json.dumps({**payload, "p": purpose, "exp": int(time.time()) + ttl_seconds}, separators=(",", ":")).encode())
    mac = hmac.new(_key(settings), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(settings: Settings, purpose: str, token: str | None) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token made for `purpose`, else None."""
    if not token or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    expected = hmac.new(_key(settings), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(mac)):
            return None
        payload: dict[str, Any] = json.loads(_unb64(body))
    except (ValueError, TypeError):
        return None
    if payload.get("p") != purpose or int(payload.get("exp", 0)) < time.time():
        return None
    return payload


def csrf_token(settings: Settings, session_nonce: str) -> str:
    """The CSRF token bound to one login session (put in every form)."""
    return _b64(hmac.new(_key(settings), f"csrf:{session_nonce}".encode(), hashlib.sha256).digest())


def csrf_ok(settings: Settings, session_nonce: str, given: str | None) -> bool:
    """Constant-time check of a submitted CSRF token."""
    return bool(given) and hmac.compare_digest(csrf_token(settings, session_nonce).encode(), str(given).encode())


def _login_limits(settings: Settings) -> tuple[RateLimitItem, RateLimitItem]:
    """Attempts allowed per client address and per account name within DVC_LOGIN_WINDOW_SECONDS."""
    window = settings.login_window_seconds
    return (
        ratelimit.per_seconds(settings.login_max_attempts, window),
        ratelimit.per_seconds(settings.login_max_attempts_per_user, window),
    )


def login_allowed(settings: Settings, address: str, username: str) -> bool:
    """Take one attempt from the address's and the account's allowance before any password is hashed.

    Taken first (not after a failure) so that concurrent guesses cannot all slip past the check: once the
    allowance is used up, the request gets 429 without argon2 running. A success gives its attempt back
    (login_succeeded), so only failures use the allowance up.
    """
    by_address, by_user = _login_limits(settings)
    user_key = "login-user:" + username.strip().lower()[:80]
    address_ok = ratelimit.hit(settings, by_address, "login-address:" + address)
    user_ok = ratelimit.hit(settings, by_user, user_key)
    if address_ok and user_ok:
        return True
    login_succeeded(settings, address, username)  # a refused attempt costs nothing more
    return False


def login_succeeded(settings: Settings, address: str, username: str) -> None:
    """Give back the attempt login_allowed took."""
    by_address, by_user = _login_limits(settings)
    ratelimit.hit(settings, by_address, "login-address:" + address, cost=-1)
    ratelimit.hit(settings, by_user, "login-user:" + username.strip().lower()[:80], cost=-1)


def login_retry_after(settings: Settings) -> str:
    """The Retry-After header of a refused login: the window's length."""
    return str(settings.login_window_seconds)


def bootstrap_admin(settings: Settings) -> str | None:
    """Create the first admin from DVC_ADMIN_USER/DVC_ADMIN_PASSWORD at startup, only when that account is missing.

    An existing account is left as it is: a restart must not undo a password change or re-enable a disabled admin
    (`python -m api.cli create-admin` resets a password on purpose). Returns the name when it was created.
    """
    if not settings.admin_user or not settings.admin_password:
        return None
    from api.db import session_factory  # here, so importing this module touches no database

    with session_factory(settings.database_url)() as session:
        if session.scalar(select(UserRow.id).where(UserRow.username == settings.admin_user)) is not None:
            return None
        try:
            upsert_user(session, settings.admin_user, settings.admin_password, "admin")
        except IntegrityError:  # several API workers start at once: another one created it a moment ago
            session.rollback()
            return None
    return settings.admin_user
