"""Security headers on every response and hardened cookies on the admin pages, in one place rather than in each route.

Plain ASGI (no per-request Starlette objects): the chat's hot path pays two header appends. The admin pages get a
strict Content-Security-Policy, no framing, no caching; their cookies are always HttpOnly and SameSite=Strict, and
Secure whenever the request came over HTTPS (nginx's X-Forwarded-Proto, trusted from loopback by uvicorn).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EVERYWHERE = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]
ADMIN = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
ADMIN_PREFIX = "/admin"


def harden_cookie(value: bytes, https: bool) -> bytes:
    """A Set-Cookie value with HttpOnly and SameSite=Strict, and Secure over HTTPS (flags already there are kept)."""
    flags = {part.strip().split(b"=", 1)[0].lower() for part in value.split(b";")[1:]}
    parts = [value.rstrip(b"; ")]
    if b"httponly" not in flags:
        parts.append(b"HttpOnly")
    if b"samesite" not in flags:
        parts.append(b"SameSite=Strict")
    if https and b"secure" not in flags:
        parts.append(b"Secure")
    return b"; ".join(parts)


class SecurityHeaders:
    """ASGI middleware: the headers above, and the admin pages' cookies hardened."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        admin = str(scope.get("path", "")).startswith(ADMIN_PREFIX)
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, harden_cookie(value, https) if admin and name.lower() == b"set-cookie" else value)
                    for name, value in message.get("headers", [])
                ]
                present = {name.lower() for name, _ in headers}
                extra = EVERYWHERE + ADMIN if admin else EVERYWHERE
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
