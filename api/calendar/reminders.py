"""Chats' reminders of calendar windows: subscribe, list, cancel, and `due_reminders(now)`, which queues each
reminder in the channels' outbox a few days before its window opens and before it closes."""

from __future__ import annotations

import datetime as dt
import functools
import pathlib
from typing import Any

import yaml
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.calendar.models import ReminderRow, ReminderSentRow
from api.calendar.service import Window, local_day, read_all, school_year_of, select_views, status, windows
from api.notifications.models import NotificationRow
from api.notifications.service import enqueue
from api.records.service import LOCAL_TZ

TEXTS_FILE = pathlib.Path(__file__).with_name("texts.yml")
LEAD_DAYS = 3  # remind this many days before a window opens and before it closes
SEND_HOURS = range(7, 21)  # local hours in which reminders are queued (no pushes at night)


@functools.lru_cache(maxsize=1)
def texts() -> dict[str, str]:
    """The reminder messages (texts.yml)."""
    data = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def subscribe(session: Session, recipient: str, key: str, now: dt.datetime) -> dict[str, Any] | None:
    """Remind `recipient` of this school year's window `key`; None when there is no such window. Idempotent."""
    year = school_year_of(local_day(now))
    found = select_views(*read_all(session), now, year=year)
    event = next((e for e in found["events"] if e["key"] == key), None)
    if event is None:
        return None
    if event["status"] == "closed":
        return {"subscribed": False, "reason": "closed", "event": event}
    row = session.scalar(
        select(ReminderRow).where(
            ReminderRow.recipient == recipient, ReminderRow.school_year == year, ReminderRow.event_key == key
        )
    )
    if row is None:
        session.add(ReminderRow(recipient=recipient, school_year=year, event_key=key, created_at=now))
    elif row.cancelled_at is not None:
        row.cancelled_at = None
    session.commit()
    return {"subscribed": True, "reason": None, "event": event}


def active(session: Session, recipient: str, now: dt.datetime) -> list[dict[str, Any]]:
    """The recipient's reminders of this school year, each with its window as the API shows it."""
    year = school_year_of(local_day(now))
    keys = list(
        session.scalars(
            select(ReminderRow.event_key)
            .where(ReminderRow.recipient == recipient, ReminderRow.school_year == year, ReminderRow.cancelled_at.is_(None))
            .order_by(ReminderRow.id)
        )
    )
    events = {e["key"]: e for e in select_views(*read_all(session), now, year=year)["events"]}
    return [events[k] for k in keys if k in events]


def cancel(session: Session, recipient: str, key: str | None, now: dt.datetime) -> int:
    """Cancel one reminder (or all of them when `key` is None); how many were cancelled."""
    query = select(ReminderRow).where(ReminderRow.recipient == recipient, ReminderRow.cancelled_at.is_(None))
    if key:
        query = query.where(ReminderRow.event_key == key)
    rows = list(session.scalars(query))
    for row in rows:
        row.cancelled_at = now
    session.commit()
    return len(rows)


def _fmt(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _stages(window: Window, today: dt.date) -> list[str]:
    """Which reminders are due today: 'opens' in the LEAD_DAYS before the start, 'closes' in those before the end."""
    due = []
    if window.start and 0 <= (window.start - today).days <= LEAD_DAYS:
        due.append("opens")
    if window.end and window.end != window.start and 0 <= (window.end - today).days <= LEAD_DAYS:
        due.append("closes")
    return due


def message(window: Window, stage: str, today: dt.date, source: str) -> str:
    """The reminder text for one window and stage."""
    t = texts()
    d = window.data
    values = {
        "event": d["event"],
        "start": _fmt(window.start),
        "end": _fmt(window.end),
        "days": (window.end - today).days if window.end else "",
        "applies_to": d.get("applies_to") or "",
        "source": source,
        "unverified": "" if d.get("verified") else t["unverified"],
        "end_part": t["end_part"].format(end=_fmt(window.end)) if window.end and window.end != window.start else "",
    }
    name = "closes_today" if stage == "closes" and window.end == today else stage
    return t[name].format(**values)


def due_reminders(session: Session, now: dt.datetime) -> int:
    """Queue every reminder due at `now` in the outbox (each stage once per reminder); how many were queued."""
    local = now.astimezone(LOCAL_TZ) if now.tzinfo else now.replace(tzinfo=dt.UTC).astimezone(LOCAL_TZ)
    if local.hour not in SEND_HOURS:
        return 0
    today = local.date()
    year = school_year_of(today)
    rows, registry = read_all(session)
    every = windows(rows)
    subs = list(session.scalars(select(ReminderRow).where(ReminderRow.school_year == year, ReminderRow.cancelled_at.is_(None))))
    sent = {(r, s) for r, s in session.execute(select(ReminderSentRow.reminder_id, ReminderSentRow.stage))}
    queued = 0
    for sub in subs:
        window = every.get((year, sub.event_key))
        if window is None or status(window, today) == "closed":
            continue
        stages = [s for s in _stages(window, today) if (sub.id, s) not in sent]
        if not stages:
            continue
        ids = window.data.get("sources") or []
        source = "; ".join(str(registry[i].get("url") or registry[i].get("title")) for i in ids[:1] if i in registry)
        stage = stages[-1]  # both due at once (a short window): the closing one, which names both dates
        note = enqueue(session, sub.recipient, "reminder", message(window, stage, today, source))
        session.flush()
        for s in stages:
            session.add(ReminderSentRow(reminder_id=sub.id, stage=s, notification_id=note.id, created_at=now))
        queued += 1
    try:
        session.commit()
    except IntegrityError:  # another worker queued the same reminders first: theirs stand
        session.rollback()
        return 0
    return queued


def counts(session: Session) -> dict[tuple[str, str], dict[str, int]]:
    """Per (school year, window): chats subscribed (not cancelled), reminders queued, reminders delivered."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    subscribed = select(ReminderRow.school_year, ReminderRow.event_key, func.count()).where(ReminderRow.cancelled_at.is_(None))
    for year, key, n in session.execute(subscribed.group_by(ReminderRow.school_year, ReminderRow.event_key)):
        out.setdefault((year, key), {"subscribed": 0, "queued": 0, "delivered": 0})["subscribed"] = int(n)
    sends = (
        select(
            ReminderRow.school_year,
            ReminderRow.event_key,
            func.count(func.distinct(ReminderSentRow.notification_id)),
            func.count(func.distinct(case((NotificationRow.delivered_at.is_not(None), NotificationRow.id)))),
        )
        .join(ReminderSentRow, ReminderSentRow.reminder_id == ReminderRow.id)
        .outerjoin(NotificationRow, NotificationRow.id == ReminderSentRow.notification_id)
        .group_by(ReminderRow.school_year, ReminderRow.event_key)
    )
    for year, key, queued, delivered in session.execute(sends):
        entry = out.setdefault((year, key), {"subscribed": 0, "queued": 0, "delivered": 0})
        entry["queued"], entry["delivered"] = int(queued), int(delivered)
    return out
