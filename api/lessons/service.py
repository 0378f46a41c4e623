"""A chat's way through a lesson: open (resume where it stopped), next step, answer a question; the menu with progress."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.lessons.models import ClassMemberRow, ClassSessionRow, LessonProgressRow, LessonRow, QuizAnswerRow
from api.models import SourceRow

Move = Literal["open", "next"]


def lessons(session: Session) -> list[LessonRow]:
    """Every lesson in menu order."""
    return list(session.scalars(select(LessonRow).order_by(LessonRow.position)))


def open_class(session: Session, sender: str, now: dt.datetime) -> int | None:
    """The open class the chat joined last, if any: its answers count in that class's report."""
    query = (
        select(ClassSessionRow.id)
        .join(ClassMemberRow, ClassMemberRow.class_id == ClassSessionRow.id)
        .where(ClassMemberRow.sender == sender, ClassSessionRow.closes_at > now)
        .order_by(ClassMemberRow.joined_at.desc())
    )
    return session.scalars(query).first()


def menu(session: Session, sender: str) -> list[dict[str, Any]]:
    """The lessons with this chat's progress: where it stands, whether finished, its last score."""
    progress = {p.lesson: p for p in session.scalars(select(LessonProgressRow).where(LessonProgressRow.sender == sender))}
    items = []
    for row in lessons(session):
        data, p = row.data, progress.get(row.slug)
        total = len(data["steps"]) + len(data["quiz"])
        items.append(
            {
                "slug": row.slug,
                "title": data["title"],
                "total": total,
                "questions": len(data["quiz"]),
                "position": min(p.position, total) if p else 0,
                "started": p is not None,
                "finished": bool(p and p.finished_at),
                "correct": p.correct if p else 0,
                "topics": data.get("topics") or [],
            }
        )
    return items


def _order(key: str, count: int) -> list[int]:
    """A fixed order of a question's choices that does not always put the right one (index 0 in kb) first."""
    shift = sum(key.encode()) % count
    return [(i + shift) % count for i in range(count)]


def _sources(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    rows = {r.id: r.data for r in session.scalars(select(SourceRow).where(SourceRow.id.in_(ids)))}
    return [{"id": i, "title": rows.get(i, {}).get("title"), "url": rows.get(i, {}).get("url")} for i in ids]


def view(session: Session, lesson: LessonRow, progress: LessonProgressRow) -> dict[str, Any]:
    """What the chat sees at its position: a step, a question, or the lesson's result."""
    data = lesson.data
    steps, quiz = data["steps"], data["quiz"]
    base = {"slug": lesson.slug, "title": data["title"], "steps": len(steps), "questions": len(quiz)}
    at = progress.position
    if at < len(steps):
        step = steps[at]
        return {
            **base,
            "kind": "step",
            "number": at + 1,
            "text": step["text"],
            "verified": step["verified"],
            "sources": _sources(session, step["sources"]),
        }
    if at < len(steps) + len(quiz):
        q = quiz[at - len(steps)]
        choices = [{"index": i, "text": q["choices"][i]} for i in _order(q["key"], len(q["choices"]))]
        return {
            **base,
            "kind": "question",
            "number": at - len(steps) + 1,
            "key": q["key"],
            "question": q["question"],
            "choices": choices,
        }
    return {**base, "kind": "finished", "correct": progress.correct}


def _progress(session: Session, sender: str, slug: str) -> LessonProgressRow | None:
    return session.scalar(select(LessonProgressRow).where(LessonProgressRow.sender == sender, LessonProgressRow.lesson == slug))


def show(session: Session, sender: str, slug: str, move: Move, now: dt.datetime) -> dict[str, Any] | None:
    """Open a lesson (resume, or start again once finished) or go to its next step; None for no such lesson."""
    lesson = session.get(LessonRow, slug)
    if lesson is None:
        return None
    class_id = open_class(session, sender, now)  # asked before any change, which its autoflush would write early
    progress = _progress(session, sender, slug)
    if progress is None:
        progress = LessonProgressRow(sender=sender, lesson=slug, position=0, correct=0, updated_at=now)
        session.add(progress)
    elif move == "open" and progress.finished_at is not None:
        progress.position, progress.correct, progress.finished_at = 0, 0, None
    elif move == "next" and progress.position < len(lesson.data["steps"]):
        progress.position += 1  # a pending question is shown again: it needs an answer, not "next"
    progress.class_id = class_id or progress.class_id
    progress.updated_at = now
    session.commit()
    return view(session, lesson, progress)


def answer(session: Session, sender: str, slug: str, choice: int, now: dt.datetime) -> dict[str, Any] | None:
    """Record the answer to the pending question and move on; None when no question of that lesson is pending."""
    lesson = session.get(LessonRow, slug)
    progress = _progress(session, sender, slug)
    if lesson is None or progress is None:
        return None
    steps, quiz = lesson.data["steps"], lesson.data["quiz"]
    index = progress.position - len(steps)
    if not 0 <= index < len(quiz):
        return None
    q = quiz[index]
    correct = choice == q["answer"]
    class_id = open_class(session, sender, now)
    session.add(QuizAnswerRow(sender=sender, lesson=slug, question=q["key"], correct=correct, class_id=class_id, answered_at=now))
    progress.position += 1
    progress.correct += int(correct)
    progress.class_id = class_id or progress.class_id
    progress.updated_at = now
    if progress.position >= len(steps) + len(quiz):
        progress.finished_at = now
    session.commit()
    return {
        "correct": correct,
        "answer": q["choices"][q["answer"]],
        "explanation": q["explanation"],
        "next": view(session, lesson, progress),
    }
