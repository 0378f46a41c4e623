"""Admin pages of classroom mode: a teacher opens a class (join code shown big for the projector) and follows it live."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from api.admin.guards import PageUser, check_csrf, require_page
from api.admin.pages import render
from api.calendar import clock
from api.deps import SessionDep, SettingsDep
from api.lessons import classes
from api.lessons.export import report_csv
from api.lessons.qr import join_link, qr_svg

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
Teacher = Annotated[PageUser, Depends(require_page("classes"))]


@router.get("/classes")
def classes_page(request: Request, session: SessionDep, who: Teacher, error: str | None = None) -> Response:
    """This account's classes (an admin: every class) and the form that opens a new one."""
    now = clock.now()
    rows = [{"row": r, "open": classes.is_open(r, now)} for r in classes.visible(session, who.user)]
    return render(request, "classes.html", who, page="classes", rows=rows, error=error)


@router.post("/classes")
def create_class(
    session: SessionDep,
    who: Teacher,
    title: Annotated[str, Form(min_length=2, max_length=120)],
    minutes: Annotated[int, Form(ge=5, le=24 * 60)] = 90,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Open a class and go to its page (the code to show the students)."""
    check_csrf(who, csrf_token)
    row = classes.create(session, who.user.username, title, minutes, clock.now())
    return RedirectResponse(f"/admin/classes/{row.code}", status_code=303)


@router.post("/classes/{code}/close")
def close_class(session: SessionDep, who: Teacher, code: str, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the class now (joining is refused from then on; the report stays)."""
    check_csrf(who, csrf_token)
    row = classes.find(session, who.user, code)
    if row is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy lớp.")
    now = clock.now()
    if classes.is_open(row, now):
        row.closes_at = now
        session.commit()
    return RedirectResponse(f"/admin/classes/{row.code}", status_code=303)


@router.get("/classes/{code}.csv")
def class_csv(session: SessionDep, who: Teacher, code: str) -> Response:
    """The report as CSV."""
    row = classes.find(session, who.user, code)
    if row is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy lớp.")
    return report_csv(classes.report(session, row, clock.now()))


@router.get("/classes/{code}")
def class_page(request: Request, session: SessionDep, settings: SettingsDep, who: Teacher, code: str) -> Response:
    """The join code (and the QR code of the Telegram link), progress per student and the questions missed most;
    the page reloads itself while open."""
    row = classes.find(session, who.user, code)
    if row is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy lớp.")
    report = classes.report(session, row, clock.now())
    link = join_link(settings.telegram_bot_username, row.code)
    qr = qr_svg(link) if link and report["open"] else None
    return render(request, "class.html", who, page="classes", report=report, row=row, link=link, qr=qr)
