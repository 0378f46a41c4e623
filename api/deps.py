"""FastAPI dependencies: settings, a database session per request, the catalogue snapshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException
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
