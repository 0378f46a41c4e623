"""Writing records: turns, ratings, feedback, handoff tickets, staff answers and retention purges."""

from __future__ import annotations

import datetime as dt
import functools
import pathlib
import secrets
from dataclasses import dataclass

import yaml
from sqlalchemy import delete, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.notifications.service import enqueue
from api.records.models import ConversationRow, FeedbackRow, RatingRow, TicketRow, TurnRow
from textnorm.channels import can_push, channel_of
from textnorm.privacy import mask

LOCAL_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")  # Vietnam has no daylight saving time
TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud
_TEXTS_FILE = pathlib.Path(__file__).with_name("texts.yml")


@functools.lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    """Vietnamese message templates (data, not code)."""
    data: dict[str, str] = yaml.safe_load(_TEXTS_FILE.read_text(encoding="utf-8"))
    return data


def now() -> dt.datetime:
    """Aware UTC now (one place, so tests and reports agree)."""
    return dt.datetime.now(dt.UTC)


def local_day(at: dt.datetime) -> dt.date:
    """The day in Vietnam (UTC+7) a moment falls on; reports group by it."""
    return at.astimezone(LOCAL_TZ).date()


def conversation_for(session: Session, sender: str, at: dt.datetime | None = None) -> ConversationRow:
    """The sender's conversation row, created on first contact; last_seen moves forward."""
    at = at or now()
    row = session.scalar(select(ConversationRow).where(ConversationRow.sender == sender))
    if row is None:
        row = ConversationRow(sender=sender, channel=channel_of(sender), first_seen=at, last_seen=at, first_day=local_day(at))
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # another request created it a moment ago
            row = session.scalars(select(ConversationRow).where(ConversationRow.sender == sender)).one()
    if _aware(row.last_seen) < at:
        row.last_seen = at
    return row


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def record_turn(
    session: Session,
    sender: str,
    text: str,
    intent: str | None,
    procedure_slug: str | None,
    topic_slug: str | None,
    answered: bool,
    at: dt.datetime | None = None,
) -> TurnRow:
    """Store one user message (masked) and how it was answered."""
    at = at or now()
    previous = session.scalar(select(ConversationRow.last_seen).where(ConversationRow.sender == sender))
    conv = conversation_for(session, sender, at)
    opens_day = previous is None or local_day(_aware(previous)) != local_day(at)
    row = TurnRow(
        conversation_id=conv.id, at=at, day=local_day(at), channel=conv.channel, intent=intent, procedure_slug=procedure_slug,
        topic_slug=topic_slug, answered=answered, opens_day=opens_day, text=mask(text),
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


@dataclass(frozen=True)
class Turn:
    """One turn as the action server reports it (see record_turn)."""

    sender: str
    text: str
    intent: str | None
    procedure_slug: str | None
    topic_slug: str | None
    answered: bool
    at: dt.datetime


def record_turns(session: Session, turns: list[Turn]) -> int:
    """Store a batch of turns in one transaction: one conversation query and one insert, not three queries a turn."""
    ordered = sorted(turns, key=lambda t: t.at)
    senders = {t.sender for t in ordered}
    rows = {r.sender: r for r in session.scalars(select(ConversationRow).where(ConversationRow.sender.in_(senders)))}
    last_seen = {sender: _aware(row.last_seen) for sender, row in rows.items()}
    values = []
    for turn in ordered:
        conv = rows.get(turn.sender)
        if conv is None:  # first contact (conversation_for copes with a concurrent insert)
            conv = rows[turn.sender] = conversation_for(session, turn.sender, turn.at)
        previous = last_seen.get(turn.sender)
        if previous is None or previous < turn.at:
            conv.last_seen = last_seen[turn.sender] = turn.at
        values.append({
            "conversation_id": conv.id, "at": turn.at, "day": local_day(turn.at), "channel": conv.channel,
            "intent": turn.intent, "procedure_slug": turn.procedure_slug, "topic_slug": turn.topic_slug,
            "answered": turn.answered, "text": mask(turn.text),
            "opens_day": previous is None or local_day(previous) != local_day(turn.at),
        })  # fmt: skip
    session.execute(insert(TurnRow), values)
    session.commit()
    return len(values)


def add_rating(
    session: Session, sender: str, score: int, comment: str | None, procedure_slug: str | None, at: dt.datetime | None = None
) -> RatingRow:
    """Store a 1..5 satisfaction rating with its optional (masked) comment."""
    at = at or now()
    conv = conversation_for(session, sender, at)
    row = RatingRow(
        conversation_id=conv.id, at=at, day=local_day(at), channel=conv.channel, score=score,
        comment=mask(comment) if comment else None, procedure_slug=procedure_slug,
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def add_feedback(session: Session, sender: str, kind: str, text: str, at: dt.datetime | None = None) -> FeedbackRow:
    """Store a feedback or complaint item, open until staff answer it."""
    at = at or now()
    conv = conversation_for(session, sender, at)
    row = FeedbackRow(
        conversation_id=conv.id, sender=sender, channel=conv.channel, kind=kind, text=mask(text), status="open", created_at=at
    )
    session.add(row)
    session.commit()
    return row


def new_ticket_code() -> str:
    """HT- and 8 random characters (32^8 ≈ 10^12: not guessable)."""
    return "HT-" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def create_ticket(
    session: Session, sender: str, question: str, procedure_slug: str | None, at: dt.datetime | None = None
) -> TicketRow:
    """Hand a question to the staff; the returned row carries the code to give the user."""
    at = at or now()
    conv = conversation_for(session, sender, at)
    row = TicketRow(
        code=new_ticket_code(), conversation_id=conv.id, sender=sender, channel=conv.channel, question=mask(question),
        procedure_slug=procedure_slug, status="open", created_at=at,
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def normalise_ticket_code(code: str) -> str:
    """Accept `ht-abcd2345`, `HT ABCD2345`, `abcd2345`."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    compact = compact.removeprefix("HT")
    return f"HT-{compact}"


def find_ticket(session: Session, code: str) -> TicketRow | None:
    """A ticket by its code (loosely typed), or None."""
    return session.scalar(select(TicketRow).where(TicketRow.code == normalise_ticket_code(code)))


def answer_ticket(session: Session, ticket: TicketRow, answer: str, by: str) -> None:
    """Record the staff answer and push it to the user's channel through the outbox (one transaction)."""
    ticket.answer, ticket.status, ticket.answered_at, ticket.answered_by = answer.strip(), "answered", now(), by
    text = texts()["staff_answer_ticket"].format(ticket=ticket.code, answer=ticket.answer)
    enqueue(session, recipient=ticket.sender, kind="staff_answer", text=text)
    session.commit()


def answer_feedback(session: Session, item: FeedbackRow, answer: str, by: str) -> bool:
    """Record the staff answer; when the sender's channel can receive pushes it is pushed too (returns whether it was)."""
    item.answer, item.status, item.answered_at, item.answered_by = answer.strip(), "answered", now(), by
    notify = can_push(item.sender)
    if notify:
        enqueue(
            session, recipient=item.sender, kind="staff_answer", text=texts()["staff_answer_feedback"].format(answer=item.answer)
        )
    session.commit()
    return notify


def purge_before(session: Session, cutoff: dt.datetime) -> dict[str, int]:
    """Delete every record made before `cutoff`, and the conversations last seen before it; counts per table.

    By the time of each record, not of the conversation: a conversation that began years ago and is still active
    keeps only its recent turns.
    """
    old = select(ConversationRow.id).where(ConversationRow.last_seen < cutoff).scalar_subquery()
    dated = (
        (TurnRow, TurnRow.at),
        (RatingRow, RatingRow.at),
        (FeedbackRow, FeedbackRow.created_at),
        (TicketRow, TicketRow.created_at),
    )
    counts: dict[str, int] = {}
    for model, at in dated:
        result = session.execute(delete(model).where(or_(at < cutoff, model.conversation_id.in_(old))))
        counts[model.__tablename__] = int(result.rowcount)  # type: ignore[attr-defined]
    result = session.execute(delete(ConversationRow).where(ConversationRow.last_seen < cutoff))
    counts["conversations"] = int(result.rowcount)  # type: ignore[attr-defined]
    session.commit()
    return counts
