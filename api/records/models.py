"""Tables of what citizens asked and how they were served; every free text is masked before it lands here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base

FEEDBACK_KINDS = ("feedback", "complaint")
STATUSES = ("open", "answered")


class ConversationRow(Base):
    """One sender (a chat, a widget session); `first_day` is the local (UTC+7) day it first wrote."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    first_day: Mapped[dt.date] = mapped_column(Date)

    __table_args__ = (
        Index("ix_conversations_first_day_channel", "first_day", "channel"),
        Index("ix_conversations_activity", "last_seen", "first_seen", "channel"),
    )


class TurnRow(Base):
    """One user message and how the bot answered it; channel and day are copied so reports need no join."""

    __tablename__ = "turns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    intent: Mapped[str | None] = mapped_column(String(80))
    procedure_slug: Mapped[str | None] = mapped_column(String(120))
    topic_slug: Mapped[str | None] = mapped_column(String(120))
    answered: Mapped[bool] = mapped_column(Boolean)
    opens_day: Mapped[bool] = mapped_column(Boolean, default=False)  # the sender's first turn that local day
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        # covering indexes: the summary report reads only these columns
        Index("ix_turns_day_channel", "day", "channel", "answered", "opens_day"),
        Index("ix_turns_day_conversation", "day", "conversation_id"),
        Index("ix_turns_day_slugs", "day", "procedure_slug", "topic_slug"),
    )


class RatingRow(Base):
    """A satisfaction rating, 1..5 (5 Rất hài lòng … 1 Rất không hài lòng)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    procedure_slug: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (Index("ix_ratings_day_channel", "day", "channel", "score"),)


class FeedbackRow(Base):
    """A feedback or complaint item (phản ánh, kiến nghị) that staff must answer."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(160))
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(80))


class TicketRow(Base):
    """A question handed to the one-stop staff; `code` (HT-XXXXXXXX) lets the user fetch the answer."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(160))
    channel: Mapped[str] = mapped_column(String(20))
    question: Mapped[str] = mapped_column(Text)
    procedure_slug: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(80))
