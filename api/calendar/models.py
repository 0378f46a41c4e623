"""Calendar tables: the windows (loaded from kb/calendar, editable by staff), chats' reminders, and reminders sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base


class CalendarEventRow(Base):
    """One window of one school year; `data` is the validated YAML entry (with staff edits applied).

    `file_hash` is the hash of the entry as last read from kb/: a load overwrites a staff edit only when the file's
    entry itself changed since, so `make load` never silently undoes what staff typed in the admin page.
    """

    __tablename__ = "calendar_events"
    __table_args__ = (UniqueConstraint("school_year", "key", name="uq_calendar_year_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    key: Mapped[str] = mapped_column(String(60))
    procedure: Mapped[str | None] = mapped_column(String(120), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_hash: Mapped[str] = mapped_column(String(64))
    edited_by: Mapped[str | None] = mapped_column(String(80))
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReminderRow(Base):
    """A chat (its channel's own id, nothing else) asked to be reminded of one window of one school year."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("recipient", "school_year", "event_key", name="uq_reminder_chat_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(160), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    event_key: Mapped[str] = mapped_column(String(60), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReminderSentRow(Base):
    """One reminder queued in the outbox: per reminder, once before the window opens and once before it closes."""

    __tablename__ = "reminder_sends"
    __table_args__ = (UniqueConstraint("reminder_id", "stage", name="uq_reminder_stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(10))  # opens | closes
    notification_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
