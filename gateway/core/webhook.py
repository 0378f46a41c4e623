"""Webhook mode for any gateway: an ASGI app that reads a platform's POST only with the right secret header."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from textnorm.channels import MAX_BODY_BYTES

# Takes one decoded update; False when it is not an update this gateway understands (answered 400).
Accept = Callable[[dict[str, Any]], Awaitable[bool]]


def webhook_app(accept: Accept, header: str, secret: str, path: str) -> Starlette:
    """POST `path` with `header: secret` (compared in constant time) and a JSON body up to the channels' cap."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(header, "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        body = bytearray()
        async for chunk in request.stream():  # read no more than the channels' body cap
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return Response(status_code=413)
        try:
            data = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(data, dict) or not await accept(data):
            return Response(status_code=400)
        return Response(status_code=200)

    return Starlette(routes=[Route(path, receive, methods=["POST"])])
