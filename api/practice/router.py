"""Practice dossier endpoints for the action server (internal token); the chat is its sender id, nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from api.deps import InternalAuth, SessionDep, SnapshotDep
from api.notifications.service import now as now_utc
from api.practice import service

router = APIRouter(prefix="/api/v1/practice", tags=["practice"], dependencies=[InternalAuth])
Now = Annotated[dt.datetime, Depends(now_utc)]


class StartIn(BaseModel):
    """A chat starting a practice dossier for one procedure."""

    recipient: str = Field(min_length=3, max_length=160)
    procedure: str = Field(min_length=1, max_length=80)


class StepIn(BaseModel):
    """The student's choice at the current step: attach/skip, a way to submit, or one of the offered digits."""

    recipient: str = Field(min_length=3, max_length=160)
    choice: str = Field(min_length=1, max_length=20)


class AdvanceIn(BaseModel):
    """The student asks the (simulated) office to go on with their practice dossier."""

    recipient: str = Field(min_length=3, max_length=160)


@router.get("/procedures")
def practice_procedures(snap: SnapshotDep) -> list[dict[str, str]]:
    """The procedures offered for practice, with their names."""
    return service.procedures(snap)


@router.post("/start")
def start(body: StartIn, session: SessionDep, snap: SnapshotDep, now: Now) -> dict[str, Any]:
    """The first step of a new practice; 404 for a procedure not offered."""
    result = service.start(session, snap, body.recipient, body.procedure, now)
    if result is None:
        raise HTTPException(status_code=404, detail="no practice for this procedure")
    return result


@router.post("/step")
def step(body: StepIn, session: SessionDep, snap: SnapshotDep, now: Now) -> dict[str, Any]:
    """The step after the choice (the same one when the choice does not fit); 404 when this chat has no practice."""
    result = service.step(session, snap, body.recipient, body.choice, now)
    if result is None:
        raise HTTPException(status_code=404, detail="no practice in this chat")
    return result


@router.post("/advance")
def advance(body: AdvanceIn, session: SessionDep, now: Now) -> dict[str, Any]:
    """The dossier's next status (its subscribers notified); 404 when this chat has submitted no practice dossier."""
    result = service.advance(session, body.recipient, now)
    if result is None:
        raise HTTPException(status_code=404, detail="no submitted practice dossier in this chat")
    return result
