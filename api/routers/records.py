"""Internal recording endpoints the actions call (turns, ratings, feedback, tickets) and the public ticket lookup."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field, ValidationError

from api.deps import InternalAuth, SessionDep
from api.records import service

router = APIRouter(prefix="/api/v1", tags=["records"])
log = logging.getLogger(__name__)

Sender = Field(min_length=1, max_length=160)
Slug = Field(default=None, max_length=120, pattern=r"^[a-z0-9_]+$")  # the catalogue's slug rule (kb schema)
TICKET_CODE = re.compile(r"^HT-[A-Z2-9]{8}$")  # service.new_ticket_code()


class TurnIn(BaseModel):
    """One user message and how the bot answered it."""

    sender: str = Sender
    text: str = Field(max_length=5000)
    intent: str | None = Field(default=None, max_length=80)
    procedure_slug: str | None = Slug
    topic_slug: str | None = Slug
    answered: bool
    at: dt.datetime | None = None  # when the turn happened (a batch arrives later); default: now


class TurnBatchIn(BaseModel):
    """Turns the action server buffered for a moment, so recording costs one request per batch, not per turn.

    Each turn is validated on its own (see post_turns): one malformed turn must not cost the other 199.
    """

    turns: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class BatchRecorded(BaseModel):
    """How many turns were stored, and the indexes of those refused as malformed (not worth sending again)."""

    recorded: int
    rejected: list[int]


class RatingIn(BaseModel):
    """A 1..5 rating (5 Rất hài lòng … 1 Rất không hài lòng)."""

    sender: str = Sender
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)
    procedure_slug: str | None = Slug


class FeedbackIn(BaseModel):
    """A feedback or complaint item for the staff."""

    sender: str = Sender
    kind: Literal["feedback", "complaint"]
    text: str = Field(min_length=1, max_length=5000)


class TicketIn(BaseModel):
    """A question handed to the one-stop staff."""

    sender: str = Sender
    question: str = Field(min_length=1, max_length=5000)
    procedure_slug: str | None = Slug


class Created(BaseModel):
    """The id of what was stored."""

    id: int


class TicketCreated(BaseModel):
    """The short code to give the user."""

    ticket: str


class TicketOut(BaseModel):
    """A ticket as the user may see it (no sender)."""

    ticket: str
    status: Literal["open", "answered"]
    question: str
    answer: str | None
    answered_at: dt.datetime | None


@router.post("/records/turns", status_code=201, dependencies=[InternalAuth])
def post_turn(body: TurnIn, session: SessionDep) -> Created:
    """Record a turn; the text is masked again here whatever the caller did."""
    at = body.at if body.at is None or body.at.tzinfo else body.at.replace(tzinfo=dt.UTC)
    args = (body.sender, body.text, body.intent, body.procedure_slug, body.topic_slug, body.answered)
    row = service.record_turn(session, *args, at=at)
    return Created(id=row.id)


@router.post("/records/turns/batch", status_code=201, dependencies=[InternalAuth])
def post_turns(body: TurnBatchIn, session: SessionDep) -> BatchRecorded:
    """Record the valid turns of a batch in one transaction; malformed ones are reported by index, not fatal."""
    received = service.now()
    turns: list[service.Turn] = []
    rejected: list[int] = []
    for index, raw in enumerate(body.turns):
        try:
            t = TurnIn.model_validate(raw)
        except ValidationError:
            rejected.append(index)
            continue
        at = received if t.at is None else t.at if t.at.tzinfo else t.at.replace(tzinfo=dt.UTC)
        turns.append(service.Turn(t.sender, t.text, t.intent, t.procedure_slug, t.topic_slug, t.answered, at))
    if rejected:
        log.warning("turn batch: %d of %d turns refused as malformed", len(rejected), len(body.turns))
    return BatchRecorded(recorded=service.record_turns(session, turns) if turns else 0, rejected=rejected)


@router.post("/ratings", status_code=201, dependencies=[InternalAuth])
def post_rating(body: RatingIn, session: SessionDep) -> Created:
    """Record a satisfaction rating."""
    row = service.add_rating(session, body.sender, body.score, body.comment, body.procedure_slug)
    return Created(id=row.id)


@router.post("/feedback", status_code=201, dependencies=[InternalAuth])
def post_feedback(body: FeedbackIn, session: SessionDep) -> Created:
    """Record a feedback or complaint item."""
    return Created(id=service.add_feedback(session, body.sender, body.kind, body.text).id)


@router.post("/tickets", status_code=201, dependencies=[InternalAuth])
def post_ticket(body: TicketIn, session: SessionDep) -> TicketCreated:
    """Open a handoff ticket."""
    return TicketCreated(ticket=service.create_ticket(session, body.sender, body.question, body.procedure_slug).code)


@router.get("/tickets/{ticket}")
def get_ticket(ticket: str, session: SessionDep) -> TicketOut:
    """Public: the user fetches the staff answer with the ticket code."""
    code = service.normalise_ticket_code(ticket)
    row = service.find_ticket(session, code) if TICKET_CODE.fullmatch(code) else None
    if row is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy mã câu hỏi này, anh/chị vui lòng kiểm tra lại ạ.")
    return TicketOut(
        ticket=row.code, status="answered" if row.status == "answered" else "open", question=row.question,
        answer=row.answer, answered_at=row.answered_at,
    )  # fmt: skip
