"""Lesson endpoints for the action server (internal token) and the class endpoints for teachers (their account)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from api.admin.guards import PAGE_ROLES, require_api
from api.admin.models import UserRow
from api.calendar import clock
from api.deps import InternalAuth, SessionDep
from api.lessons import classes, service
from api.lessons.export import report_csv

router = APIRouter(prefix="/api/v1", tags=["lessons"])
Now = Annotated[dt.datetime, Depends(clock.now)]
Recipient = Annotated[str, Query(min_length=3, max_length=160)]
Teacher = Annotated[UserRow, Depends(require_api(*PAGE_ROLES["classes"]))]
SLUG = r"^[a-z][a-z0-9_]{1,59}$"


class ShowIn(BaseModel):
    """Open a lesson (resume where the chat stopped) or go to its next step."""

    recipient: str = Field(min_length=3, max_length=160)
    move: Literal["open", "next"] = "open"


class AnswerIn(BaseModel):
    """The index (as in kb/lessons) of the choice picked for the pending question."""

    recipient: str = Field(min_length=3, max_length=160)
    choice: int = Field(ge=0, le=3)


class JoinIn(BaseModel):
    """A chat joining a class: the code the teacher shows and a nickname (no real name)."""

    recipient: str = Field(min_length=3, max_length=160)
    code: str = Field(min_length=1, max_length=20)
    nickname: str = Field(default="", max_length=60)


class ClassIn(BaseModel):
    """A class session: its title and how long it stays open."""

    title: str = Field(min_length=2, max_length=120)
    minutes: int = Field(default=90, ge=5, le=24 * 60)


@router.get("/lessons", dependencies=[InternalAuth])
def lesson_menu(recipient: Recipient, session: SessionDep) -> list[dict[str, Any]]:
    """The lessons in order with this chat's progress."""
    return service.menu(session, recipient)


@router.post("/lessons/{slug}/show", dependencies=[InternalAuth])
def show(slug: str, body: ShowIn, session: SessionDep, now: Now) -> dict[str, Any]:
    """The step, question or result the chat is at after the move; 404 for no such lesson."""
    result = service.show(session, body.recipient, slug, body.move, now)
    if result is None:
        raise HTTPException(status_code=404, detail="no such lesson")
    return result


@router.post("/lessons/{slug}/answer", dependencies=[InternalAuth])
def answer(slug: str, body: AnswerIn, session: SessionDep, now: Now) -> dict[str, Any]:
    """Right or wrong, the explanation, and what comes next; 409 when no question of this lesson is pending."""
    result = service.answer(session, body.recipient, slug, body.choice, now)
    if result is None:
        raise HTTPException(status_code=409, detail="no question of this lesson is pending")
    return result


@router.post("/classes/join", dependencies=[InternalAuth])
def join(body: JoinIn, session: SessionDep, now: Now) -> dict[str, Any]:
    """`status`: joined, unknown (no such code), closed, bad_nickname (looks like a phone number or e-mail)."""
    status, title = classes.join(session, body.recipient, body.code, body.nickname, now)
    return {"status": status, "title": title}


@router.post("/classes", status_code=201)
def create_class(body: ClassIn, session: SessionDep, user: Teacher, now: Now) -> dict[str, Any]:
    """A new class of this teacher with its join code."""
    row = classes.create(session, user.username, body.title, body.minutes, now)
    return {"code": row.code, "title": row.title, "closes_at": row.closes_at.isoformat(), "teacher": row.teacher}


@router.get("/classes")
def list_classes(session: SessionDep, user: Teacher, now: Now) -> list[dict[str, Any]]:
    """The classes this account may see (a teacher: only their own)."""
    return [
        {"code": r.code, "title": r.title, "teacher": r.teacher, "open": classes.is_open(r, now)}
        for r in classes.visible(session, user)
    ]


@router.get("/classes/{code}/report", response_model=None)
def class_report(
    code: str, session: SessionDep, user: Teacher, now: Now, format: Literal["json", "csv"] = "json"
) -> dict[str, Any] | Response:
    """Progress per student and the questions missed most often; 404 for a class this account may not see."""
    row = classes.find(session, user, code)
    if row is None:
        raise HTTPException(status_code=404, detail="no such class")
    result = classes.report(session, row, now)
    if format == "csv":
        return report_csv(result)
    return result
