"""Lesson tables: the lessons loaded from kb/lessons, each chat's progress and answers, teachers' class sessions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base


class LessonRow(Base):
    """One lesson; `data` is the validated YAML, `file_hash` lets `make load` skip unchanged ones."""

    __tablename__ = "lessons"

    slug: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    file_hash: Mapped[str] = mapped_column(String(64))


class ClassSessionRow(Base):
    """A teacher's class: a short join code, open until `closes_at`."""

    __tablename__ = "class_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    teacher: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ClassMemberRow(Base):
    """A chat that joined a class under a nickname (never a real name or phone number)."""

    __tablename__ = "class_members"
    __table_args__ = (UniqueConstraint("class_id", "sender", name="uq_class_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    nickname: Mapped[str] = mapped_column(String(30))
    joined_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LessonProgressRow(Base):
    """Where a chat stands in a lesson: `position` counts steps then questions; `finished_at` once all are done."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("sender", "lesson", name="uq_lesson_progress"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    lesson: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer, default=0)  # right answers in the current run of the lesson
    class_id: Mapped[int | None] = mapped_column(Integer, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class QuizAnswerRow(Base):
    """One answer to one check question (in a class when the chat had joined one that was open)."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender: Mapped[str] = mapped_column(String(160), index=True)
    lesson: Mapped[str] = mapped_column(String(60))
    question: Mapped[str] = mapped_column(String(60))
    correct: Mapped[bool] = mapped_column(Boolean)
    class_id: Mapped[int | None] = mapped_column(Integer, index=True)
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
