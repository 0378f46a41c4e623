"""Admin pages: login/logout, the report dashboard, its exports (CSV, XLSX) and the printable summary."""

from __future__ import annotations

import datetime as dt
import secrets
import urllib.parse
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from starlette.responses import RedirectResponse, Response

from api.admin import auth, charts
from api.admin.exports import CHANNEL_NAMES, tables, to_csv, to_xlsx
from api.admin.guards import LOGIN_PATH, SESSION_COOKIE, LoggedIn, PageUser, check_csrf, require_page
from api.admin.pages import render
from api.deps import SessionDep, SettingsDep
from api.records import reports
from api.records.reports import SCALE
from api.records.service import LOCAL_TZ

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
LOGIN_COOKIE = "dvc_login"
Reader = Annotated[PageUser, Depends(require_page("reports"))]


def _filters(request: Request, who: PageUser) -> tuple[dt.date, dt.date, str | None]:
    """Date range and channel from the query, the channel as this role may see it (reports.visible_channel)."""
    try:
        start, end = reports.parse_range(request.query_params.get("from") or None, request.query_params.get("to") or None)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return start, end, reports.visible_channel(who.user.role, request.query_params.get("channel") or None)


def _report(request: Request, session: SessionDep, who: PageUser) -> tuple[dict[str, Any], list[Any], str]:
    start, end, channel = _filters(request, who)
    s = reports.summary(session, start, end, channel)
    query = urllib.parse.urlencode({"from": s["from"], "to": s["to"], **({"channel": channel} if channel else {})})
    return s, tables(s, reports.names(session)), query


def _login_form(request: Request, settings: SettingsDep, status: int = 200, error: str | None = None) -> Response:
    """The login form; its CSRF token is bound to a short-lived signed cookie."""
    nonce = secrets.token_urlsafe(16)
    csrf = auth.csrf_token(settings, f"login:{nonce}")
    response = render(request, "login.html", None, status_code=status, csrf=csrf, error=error)
    cookie = auth.sign(settings, "login", {"n": nonce}, 1800)
    response.set_cookie(LOGIN_COOKIE, cookie, httponly=True, samesite="strict", max_age=1800)
    return response


@router.get("/login")
def login_page(request: Request, settings: SettingsDep) -> Response:
    """Show the login form."""
    return _login_form(request, settings)


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check CSRF, the rate limit and the password; set the session cookie and go to the dashboard."""
    pre = auth.unsign(settings, "login", request.cookies.get(LOGIN_COOKIE))
    if pre is None or not auth.csrf_ok(settings, f"login:{pre['n']}", csrf_token):
        return _login_form(request, settings, 403, "Phiên đăng nhập đã hết hạn, anh/chị vui lòng thử lại.")
    address = request.client.host if request.client else "?"
    if not auth.login_allowed(settings, address, username):
        return _login_form(request, settings, 429, "Đăng nhập sai quá nhiều lần, vui lòng thử lại sau ít phút.")
    user = auth.authenticate(session, username, password)
    if user is None:
        return _login_form(request, settings, 401, "Sai tên đăng nhập hoặc mật khẩu.")
    auth.login_succeeded(settings, address, username)
    ttl = settings.session_ttl_seconds
    response = RedirectResponse("/admin" if user.role != "staff" else "/admin/tickets", status_code=303)
    token = auth.sign(settings, "session", {"u": user.username, "n": secrets.token_urlsafe(16)}, ttl)
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", max_age=ttl, secure=secure)
    response.delete_cookie(LOGIN_COOKIE)
    return response


@router.post("/logout")
def logout(who: LoggedIn, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the session (CSRF-checked so another site cannot log staff out)."""
    check_csrf(who, csrf_token)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("")
def dashboard(request: Request, session: SessionDep, who: Reader) -> Response:
    """The report dashboard with filters, SVG charts and the unanswered questions."""
    s, items, query = _report(request, session, who)
    names = reports.names(session)
    procedures = [(names.get(r["procedure_slug"], r["procedure_slug"]), r["messages"]) for r in s["per_procedure"][:8]]
    topics = [(names.get(r["topic_slug"], r["topic_slug"]), r["messages"]) for r in s["per_topic"][:8]]
    scores = [(f"{k} – {SCALE[k]}", s["rating_distribution"][str(k)]) for k in range(5, 0, -1)] if s["rating_count"] else []
    svg = {
        "per_day": charts.columns([(r["day"], r["conversations"], r["messages"]) for r in s["per_day"]]),
        "channels": charts.bars([(CHANNEL_NAMES.get(r["channel"], r["channel"]), r["messages"]) for r in s["per_channel"]]),
        "procedures": charts.bars(procedures),
        "topics": charts.bars(topics, colour=charts.COLOURS[1]),
        "ratings": charts.bars(scores, colour=charts.COLOURS[2]),
    }
    start, end = dt.date.fromisoformat(s["from"]), dt.date.fromisoformat(s["to"])
    unanswered = reports.unanswered(session, start, end, s["channel"])
    context: dict[str, Any] = {"s": s, "tables": items, "query": query, "charts": svg, "unanswered": unanswered}
    return render(request, "dashboard.html", who, page="dashboard", **context)


@router.get("/print")
def printable(request: Request, session: SessionDep, who: Reader) -> Response:
    """A one-page summary laid out for A4 printing."""
    s, items, query = _report(request, session, who)
    today = dt.datetime.now(LOCAL_TZ).strftime("%d/%m/%Y")
    return render(request, "print.html", who, s=s, tables=items, query=query, today=today)


@router.get("/export.csv")
def export_csv(request: Request, session: SessionDep, who: Reader) -> Response:
    """All report tables as CSV (UTF-8 with BOM)."""
    s, items, _ = _report(request, session, who)
    name = f"bao-cao-{s['from']}-{s['to']}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(to_csv(items), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/export.xlsx")
def export_xlsx(request: Request, session: SessionDep, who: Reader) -> Response:
    """All report tables as an Excel workbook, one sheet each."""
    s, items, _ = _report(request, session, who)
    name = f"bao-cao-{s['from']}-{s['to']}.xlsx"
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(to_xlsx(items), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
