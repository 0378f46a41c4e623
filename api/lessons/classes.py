"""Teachers' class sessions: a short join code, joining under a nickname, and the class report."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections import Counter
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.admin.models import UserRow
from api.lessons.models import ClassMemberRow, ClassSessionRow, LessonProgressRow, LessonRow, QuizAnswerRow

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 6
NICKNAME = re.compile(r"^[\w .'-]{2,30}$")
PHONE_LIKE = re.compile(r"(?:\d[\s.-]?){7,}")
JoinStatus = Literal["joined", "unknown", "closed", "bad_nickname"]


def new_code(session: Session) -> str:
    """A join code no class uses yet."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not any(c.isdigit() for c in code):  # a digit tells the code from a word when it is typed in a sentence
            continue
        if session.scalar(select(ClassSessionRow.id).where(ClassSessionRow.code == code)) is None:
            return code


def create(session: Session, teacher: str, title: str, minutes: int, now: dt.datetime) -> ClassSessionRow:
    """A class open from now for `minutes`."""
    row = ClassSessionRow(
        code=new_code(session), title=title.strip(), teacher=teacher, created_at=now,
        closes_at=now + dt.timedelta(minutes=minutes),
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row


def visible(session: Session, user: UserRow) -> list[ClassSessionRow]:
    """The classes an account may see: a teacher only their own, an admin every one (newest first)."""
    query = select(ClassSessionRow).order_by(ClassSessionRow.created_at.desc())
    if user.role != "admin":
        query = query.where(ClassSessionRow.teacher == user.username)
    return list(session.scalars(query))


def find(session: Session, user: UserRow, code: str) -> ClassSessionRow | None:
    """One class by its code, when this account may see it."""
    row = session.scalar(select(ClassSessionRow).where(ClassSessionRow.code == code.strip().upper()))
    return row if row is not None and (user.role == "admin" or row.teacher == user.username) else None


def nickname_ok(nickname: str) -> bool:
    """A short nickname: letters, digits, spaces; never something that looks like a phone number or an e-mail."""
    text = nickname.strip()
    return bool(NICKNAME.match(text)) and "@" not in text and not PHONE_LIKE.search(text)


def is_open(row: ClassSessionRow, now: dt.datetime) -> bool:
    """Before its closing time (stored times may come back naive from SQLite: they are UTC)."""
    closes = row.closes_at if row.closes_at.tzinfo else row.closes_at.replace(tzinfo=dt.UTC)
    return now < closes


def join(session: Session, sender: str, code: str, nickname: str, now: dt.datetime) -> tuple[JoinStatus, str | None]:
    """Join (or rename in) a class; the status and the class title."""
    row = session.scalar(select(ClassSessionRow).where(ClassSessionRow.code == code.strip().upper()))
    if row is None:
        return "unknown", None
    if not is_open(row, now):
        return "closed", row.title
    if not nickname_ok(nickname):
        return "bad_nickname", row.title
    member = session.scalar(select(ClassMemberRow).where(ClassMemberRow.class_id == row.id, ClassMemberRow.sender == sender))
    if member is None:
        session.add(ClassMemberRow(class_id=row.id, sender=sender, nickname=nickname.strip(), joined_at=now))
    else:
        member.nickname = nickname.strip()
    session.commit()
    return "joined", row.title


def report(session: Session, row: ClassSessionRow, now: dt.datetime) -> dict[str, Any]:
    """Per student (nickname): lessons finished, answers and right answers; the questions missed most often."""
    titles = {r.slug: r.data for r in session.scalars(select(LessonRow))}
    members = list(session.scalars(select(ClassMemberRow).where(ClassMemberRow.class_id == row.id)))
    answers = list(session.scalars(select(QuizAnswerRow).where(QuizAnswerRow.class_id == row.id)))
    finished = list(
        session.scalars(
            select(LessonProgressRow).where(LessonProgressRow.class_id == row.id, LessonProgressRow.finished_at.is_not(None))
        )
    )
    students = []
    for m in sorted(members, key=lambda x: x.nickname.lower()):
        mine = [a for a in answers if a.sender == m.sender]
        students.append(
            {
                "nickname": m.nickname,
                "lessons_done": sum(1 for p in finished if p.sender == m.sender),
                "answered": len(mine),
                "correct": sum(1 for a in mine if a.correct),
            }
        )
    wrong = Counter((a.lesson, a.question) for a in answers if not a.correct)
    asked = Counter((a.lesson, a.question) for a in answers)
    missed = []
    for (lesson, key), count in sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0])):
        quiz = {q["key"]: q for q in titles.get(lesson, {}).get("quiz", [])}
        missed.append(
            {
                "lesson": lesson,
                "question": key,
                "text": quiz.get(key, {}).get("question", key),
                "wrong": count,
                "answered": asked[(lesson, key)],
            }
        )
    return {
        "code": row.code,
        "title": row.title,
        "teacher": row.teacher,
        "open": is_open(row, now),
        "closes_at": row.closes_at.isoformat(),
        "students": students,
        "most_missed": missed,
    }
