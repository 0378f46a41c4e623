"""Calendar endpoints: the windows (public), and chats' reminders (internal: the action server, with its token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from api.calendar import clock, reminders
from api.calendar.service import read_all, select_views
from api.deps import InternalAuth, SessionDep
from textnorm.channels import can_push, registry

router = APIRouter(prefix="/api/v1", tags=["calendar"])
Now = Annotated[dt.datetime, Depends(clock.now)]
Recipient = Annotated[str, Query(min_length=3, max_length=160)]


def _check_recipient(recipient: str) -> None:
    """Only a registered channel's chat id that can receive messages (no other personal data is taken)."""
    prefix, _, _ = recipient.partition(":")
    channel = registry().get(prefix)
    if channel is None or channel.chat_of(recipient) is None or not can_push(recipient):
        raise HTTPException(status_code=422, detail="recipient must be a chat id of a channel that can receive messages")


@router.get("/calendar")
def calendar(
    session: SessionDep,
    now: Now,
    procedure: Annotated[str | None, Query(max_length=120)] = None,
    topic: Annotated[str | None, Query(max_length=120)] = None,
    q: Annotated[str | None, Query(max_length=300)] = None,
    year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
) -> dict[str, Any]:
    """The windows of a school year (default: the current one) with dates, sources, `verified` and their status today.

    A window whose dates are not published has `start`/`end` null, status `not_published` and last year's dates
    under `reference` only.
    """
    return select_views(*read_all(session), now, procedure=procedure, topic=topic, q=q, year=year)


class ReminderIn(BaseModel):
    """A chat asking to be reminded of a window; `recipient` is the conversation's sender id as Rasa recorded it."""

    recipient: str = Field(min_length=3, max_length=160)
    event_key: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")


@router.post("/reminders", dependencies=[InternalAuth])
def subscribe(body: ReminderIn, session: SessionDep, now: Now, response: Response) -> dict[str, Any]:
    """Subscribe (idempotent); `subscribed: false, reason: closed` when this year's window is over; 404 for no window."""
    _check_recipient(body.recipient)
    result = reminders.subscribe(session, body.recipient, body.event_key, now)
    if result is None:
        raise HTTPException(status_code=404, detail="no such calendar window this school year")
    response.status_code = 201 if result["subscribed"] else 200
    return result


@router.get("/reminders", dependencies=[InternalAuth])
def list_reminders(recipient: Recipient, session: SessionDep, now: Now) -> list[dict[str, Any]]:
    """The chat's reminders of this school year, each with its window."""
    return reminders.active(session, recipient, now)


@router.delete("/reminders", dependencies=[InternalAuth])
def cancel(
    recipient: Recipient,
    session: SessionDep,
    now: Now,
    event_key: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_]{1,59}$")] = None,
) -> dict[str, int]:
    """Cancel one reminder, or every reminder of the chat when no `event_key` is given."""
    return {"cancelled": reminders.cancel(session, recipient, event_key, now)}
