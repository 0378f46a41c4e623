"""Admin page of the calendar: every window with its dates, source and status, an edit form that records the
editor's name and the date, and how many chats subscribed to each and how many reminders were delivered."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from api.admin.guards import PageUser, check_csrf, require_page
from api.admin.pages import render
from api.calendar import cache, clock, reminders
from api.calendar.models import CalendarEventRow
from api.calendar.schema import year_bounds
from api.calendar.service import local_day, read_all, school_year_of, select_views
from api.deps import SessionDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
Staff = Annotated[PageUser, Depends(require_page("staff"))]
Text = Annotated[str, Form(max_length=500)]


@router.get("/calendar")
def calendar_page(
    request: Request, session: SessionDep, who: Staff, done: int | None = None, error: str | None = None
) -> Response:
    """This school year's and last year's windows, with subscriptions and deliveries per window."""
    now = clock.now()
    year = school_year_of(local_day(now))
    rows, registry = read_all(session)
    ids = {(r.school_year, r.key): r.id for r in rows}
    counts = reminders.counts(session)
    years = []
    for shown in sorted({r.school_year for r in rows}, reverse=True):
        events = select_views(rows, registry, now, year=shown)["events"]
        for e in events:
            e["id"] = ids[(shown, e["key"])]
            e["counts"] = counts.get((shown, e["key"]), {"subscribed": 0, "queued": 0, "delivered": 0})
        years.append({"year": shown, "current": shown == year, "events": events})
    notice = f"Đã lưu mốc #{done}." if done else None
    return render(request, "calendar.html", who, page="calendar", notice=notice, error=error, years=years)


def _date(value: str, field: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise HTTPException(status_code=400, detail=f"Ngày không hợp lệ ({field}): {value}") from None


@router.post("/calendar/{event_id}")
def edit_event(
    event_id: int,
    session: SessionDep,
    who: Staff,
    start: Text = "",
    end: Text = "",
    source: Text = "",
    note: Text = "",
    verified: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Set a window's dates (bound to its school year, with the document they come from); name and date recorded."""
    check_csrf(who, csrf_token)
    row = session.get(CalendarEventRow, event_id)
    if row is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy mốc lịch.")
    data: dict[str, Any] = dict(row.data)
    first, last = _date(start, "bắt đầu"), _date(end, "kết thúc")
    low, high = year_bounds(row.school_year)
    problem = None
    if data.get("derived") and (first or last):
        problem = "Mốc này tính theo quy định từ một mốc khác: anh/chị sửa mốc gốc."
    elif any(d is not None and not low <= d <= high for d in (first, last)):
        problem = f"Ngày phải thuộc năm học {row.school_year} ({low:%d/%m/%Y}–{high:%d/%m/%Y})."
    elif first and last and last < first:
        problem = "Ngày kết thúc trước ngày bắt đầu."
    elif (
        (first or last)
        and not source.strip()
        and not data.get("staff_source")
        and (first, last) != (row.start_date, row.end_date)
    ):
        problem = "Ngày mới cần nguồn (số văn bản hoặc đường dẫn) để người dân đối chiếu."
    if problem:
        return RedirectResponse(f"/admin/calendar?error={problem}#e{event_id}", status_code=303)
    data["start"], data["end"] = (first.isoformat() if first else None), (last.isoformat() if last else None)
    data["verified"] = bool(verified) and bool(first or last or data.get("derived"))
    if source.strip():
        data["staff_source"] = source.strip()
    data["note"] = note.strip() or None
    row.data, row.start_date, row.end_date, row.verified = data, first, last, data["verified"]
    row.edited_by, row.edited_at = who.user.username, dt.datetime.now(dt.UTC)
    session.commit()
    cache.invalidate()
    return RedirectResponse(f"/admin/calendar?done={event_id}#e{event_id}", status_code=303)
