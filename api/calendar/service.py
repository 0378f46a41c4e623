"""The calendar as the bot and the API present it: each window's dates (derived ones computed), its status on a
given day, its sources, and last year's dates as a labelled indication when this year's are not published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.calendar.models import CalendarEventRow
from api.calendar.schema import year_bounds
from api.models import SourceRow
from api.records.service import LOCAL_TZ
from textnorm import normalize

Status = Literal["not_published", "upcoming", "open", "closed"]
NEAR_DAYS = 45  # a procedure answer mentions a window opening within this many days


def local_day(now: dt.datetime) -> dt.date:
    """The calendar day in Vietnam at `now` (deadlines are Vietnamese days)."""
    aware = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL_TZ).date()


def school_year_of(day: dt.date) -> str:
    """The school year a day belongs to: from 1 August, the new one."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}-{first + 1}"


def previous_year(school_year: str) -> str:
    """'2026-2027' → '2025-2026'."""
    first = year_bounds(school_year)[0].year
    return f"{first - 1}-{first}"


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The last day of `days` working days counted from `start` itself (Saturdays and Sundays skipped, not holidays)."""
    day, left = start, days
    while True:
        if day.weekday() < 5:
            left -= 1
            if left == 0:
                return day
        day += dt.timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """One entry with its effective dates (a derived window takes them from its rule)."""

    school_year: str
    key: str
    data: dict[str, Any]
    start: dt.date | None
    end: dt.date | None
    edited_by: str | None
    edited_at: dt.datetime | None


def windows(rows: list[CalendarEventRow]) -> dict[tuple[str, str], Window]:
    """(school year, key) → window, derived dates computed from the entry they follow in the same year."""
    by_key = {(r.school_year, r.key): r for r in rows}
    out: dict[tuple[str, str], Window] = {}
    for (year, key), row in by_key.items():
        start, end = row.start_date, row.end_date
        derived = row.data.get("derived")
        if derived:
            base = by_key.get((year, derived["from"]))
            start = base.start_date if base else None
            end = None
            if start is not None:
                days = int(derived["days"])
                end = start + dt.timedelta(days=days - 1) if derived["unit"] == "days" else add_working_days(start, days)
        out[(year, key)] = Window(year, key, row.data, start, end, row.edited_by, row.edited_at)
    return out


def status(window: Window, today: dt.date) -> Status:
    """Where `today` stands: before the window, in it, after it, or no date published for it."""
    if window.start is None and window.end is None:
        return "not_published"
    if window.start is not None and today < window.start:
        return "upcoming"
    if today <= (window.end or window.start or today):
        return "open"
    return "closed"


def _sources(ids: list[str], registry: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": i, "title": registry[i].get("title"), "url": registry[i].get("url") or registry[i].get("document")}
        for i in ids
        if i in registry
    ]


def _staff_source(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The document staff named when they set the dates in the admin page."""
    given = data.get("staff_source")
    return [{"id": "staff", "title": "Sở GD&ĐT cập nhật", "url": given}] if given else []


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def view(
    window: Window, today: dt.date, every: dict[tuple[str, str], Window], registry: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What the API returns for one window; last year's dates only under `reference`, never as this year's."""
    d = window.data
    state = status(window, today)
    out: dict[str, Any] = {
        "school_year": window.school_year,
        "key": window.key,
        "event": d["event"],
        "procedure": d.get("procedure"),
        "topic": d.get("topic"),
        "applies_to": d.get("applies_to"),
        "scope": d.get("scope"),
        "start": _iso(window.start),
        "end": _iso(window.end),
        "derived": bool(d.get("derived")),
        "rule": d.get("rule"),
        "note": d.get("note"),
        "sources": _staff_source(d) + _sources(d.get("sources") or [], registry),
        "verified": bool(d.get("verified")),
        "status": state,
        "days_to_start": (window.start - today).days if window.start and state == "upcoming" else None,
        "days_to_end": (window.end - today).days if window.end and state in ("upcoming", "open") else None,
        "reference": None,
        "edited_by": window.edited_by,
        "edited_at": window.edited_at.isoformat() if window.edited_at else None,
    }
    if state == "not_published":
        last = every.get((previous_year(window.school_year), window.key))
        if last is not None and (last.start or last.end):
            out["reference"] = {
                "school_year": last.school_year,
                "event": last.data["event"],
                "start": _iso(last.start),
                "end": _iso(last.end),
                "verified": bool(last.data.get("verified")),
                "sources": _sources(last.data.get("sources") or [], registry),
            }
    return out


def _names(data: dict[str, Any]) -> list[set[str]]:
    return [set(normalize(n).split()) for n in [data["event"], *(data.get("aliases") or [])] if normalize(n)]


def match(data: dict[str, Any], words: set[str]) -> int:
    """0 unless the message holds a name or alias of the entry in full; then the longest such one's length plus the
    words it shares with the entry's full name (so "nộp đơn phúc khảo điểm thi" is the re-marking, not the results)."""
    names = _names(data)
    full = max((len(n) for n in names if n <= words), default=0)
    return full + len(names[0] & words) if full else 0


def read_all(session: Session) -> tuple[list[CalendarEventRow], dict[str, dict[str, Any]]]:
    """Every calendar row, and the sources registry (id → source document)."""
    rows = list(session.scalars(select(CalendarEventRow).order_by(CalendarEventRow.school_year, CalendarEventRow.id)))
    ids = {i for r in rows for i in r.data.get("sources") or []}
    registry = {s.id: s.data for s in session.scalars(select(SourceRow).where(SourceRow.id.in_(ids)))} if ids else {}
    return rows, registry


def select_views(
    rows: list[CalendarEventRow],
    registry: dict[str, dict[str, Any]],
    now: dt.datetime,
    procedure: str | None = None,
    topic: str | None = None,
    q: str | None = None,
    year: str | None = None,
) -> dict[str, Any]:
    """The windows of `year` (default: the school year of `now`) for a procedure, a topic or a question."""
    today = local_day(now)
    school_year = year or school_year_of(today)
    every = windows(rows)
    chosen = [w for (y, _), w in every.items() if y == school_year]
    if procedure:
        chosen = [w for w in chosen if w.data.get("procedure") == procedure]
    if topic:
        chosen = [w for w in chosen if w.data.get("topic") == topic]
    if q:
        words = set(normalize(q).split())
        scored = [(match(w.data, words), i, w) for i, w in enumerate(chosen)]
        chosen = [w for s, _, w in sorted(scored, key=lambda t: (-t[0], t[1])) if s > 0]
    return {
        "school_year": school_year,
        "today": today.isoformat(),
        "published": any(w.start or w.end for w in chosen),
        "events": [view(w, today, every, registry) for w in chosen],
    }


def near(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The windows open now or opening within NEAR_DAYS, soonest first (what a procedure answer mentions)."""
    soon = [v for v in views if v["status"] == "open" or (v["status"] == "upcoming" and (v["days_to_start"] or 0) <= NEAR_DAYS)]
    return sorted(soon, key=lambda v: v["start"] or v["end"] or "")
