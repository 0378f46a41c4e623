"""FastAPI dependencies: settings, a database session per request, the catalogue snapshot."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from sqlalchemy.orm import Session

from api.catalogue.store import Snapshot, snapshot
from api.db import iter_session
from api.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    """One session per request, closed afterwards."""
    yield from iter_session(settings.database_url)


SessionDep = Annotated[Session, Depends(get_session)]


def get_snapshot(session: SessionDep) -> Snapshot:
    """The loaded catalogue; 503 with a clear reason while nothing is loaded."""
    snap = snapshot(session)
    if snap is None:
        raise HTTPException(status_code=503, detail="catalogue not loaded: run `make load`")
    return snap


SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]


async def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None (async: no I/O, so no threadpool hop)."""
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def token_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of the UTF-8 bytes (a non-ASCII token is just wrong); an unset expected token never matches."""
    return bool(given and expected) and hmac.compare_digest(str(given).encode(), str(expected).encode())


async def require_internal(settings: SettingsDep, token: Annotated[str | None, Depends(bearer_token)]) -> None:
    """401 unless the request carries DVC_INTERNAL_TOKEN (action server, gateway)."""
    if not token_matches(token, settings.internal_token):
        raise HTTPException(status_code=401, detail="internal token required", headers={"WWW-Authenticate": "Bearer"})


async def require_integration(settings: SettingsDep, token: Annotated[str | None, Depends(bearer_token)]) -> None:
    """401 unless the request carries DVC_INTEGRATION_TOKEN (the one-stop system)."""
    if not token_matches(token, settings.integration_token):
        raise HTTPException(status_code=401, detail="integration token required", headers={"WWW-Authenticate": "Bearer"})


InternalAuth = Depends(require_internal)
IntegrationAuth = Depends(require_integration)
