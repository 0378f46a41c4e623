"""The calendar as the resolver reads it on the hot path: rows re-read at most every few seconds per process."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from api.calendar import clock
from api.calendar.models import CalendarEventRow
from api.calendar.service import match, near, read_all, select_views
from api.db import session_factory
from api.settings import get_settings
from textnorm import normalize

logger = logging.getLogger(__name__)
CHECK_SECONDS = 5.0  # a staff edit shows in answers within this time in every worker
_lock = threading.Lock()
_cache: dict[str, tuple[float, list[CalendarEventRow], dict[str, dict[str, Any]]]] = {}


def _current(url: str) -> tuple[list[CalendarEventRow], dict[str, dict[str, Any]]]:
    entry = _cache.get(url)
    if entry and time.monotonic() - entry[0] < CHECK_SECONDS:
        return entry[1], entry[2]
    with _lock, session_factory(url)() as session:
        rows, registry = read_all(session)
    _cache[url] = (time.monotonic(), rows, registry)
    return rows, registry


def invalidate() -> None:
    """Forget the cached rows (after a staff edit in this process)."""
    _cache.clear()


def for_answer(
    procedure: str | None = None, topic: str | None = None, now: dt.datetime | None = None, text: str = ""
) -> dict[str, Any]:
    """This school year's windows of a procedure or topic (those the message names first, listed in `asked`), and
    those open or near; empty when the calendar is unreadable."""
    try:
        rows, registry = _current(get_settings().database_url)
    except SQLAlchemyError as exc:  # a database not migrated yet: answers go on without the calendar
        logger.warning("calendar unavailable: %s", exc)
        return {"events": [], "near": []}
    found = select_views(rows, registry, now or clock.now(), procedure=procedure, topic=topic)
    words = set(normalize(text).split())
    data = {(r.school_year, r.key): r.data for r in rows}
    score = {e["key"]: match(data[(e["school_year"], e["key"])], words) for e in found["events"]}
    events = sorted(found["events"], key=lambda e: -score[e["key"]])
    asked = [e["key"] for e in events if score[e["key"]] > 0]
    return {"school_year": found["school_year"], "events": events, "near": near(events), "asked": asked}
