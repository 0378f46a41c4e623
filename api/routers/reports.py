"""Report API for the Sở (HTTP Basic or bearer token): summary figures, masked conversations, token issue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from api.admin import auth
from api.admin.guards import require_api
from api.admin.models import UserRow
from api.deps import SessionDep, SettingsDep
from api.records import reports
from textnorm.channels import report_channels

router = APIRouter(prefix="/api/v1", tags=["reports"])


def channel_filter(channel: Annotated[str | None, Query(max_length=20)] = None) -> str | None:
    """The optional channel of a report, checked against the channel registry (422 for an unknown name)."""
    if channel is not None and channel not in report_channels():
        raise HTTPException(status_code=422, detail=f"unknown channel; one of: {', '.join(report_channels())}")
    return channel


Channel = Annotated[str | None, Depends(channel_filter)]
ReportReader = Annotated[UserRow, Depends(require_api("admin", "staff", "teacher"))]
TranscriptReader = Annotated[UserRow, Depends(require_api("admin", "staff"))]


class Credentials(BaseModel):
    """Username and password of a staff account."""

    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class Token(BaseModel):
    """A signed, expiring bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    role: str


def date_range(
    start: Annotated[str | None, Query(alias="from")] = None, end: Annotated[str | None, Query(alias="to")] = None
) -> tuple[dt.date, dt.date]:
    """The report range from `from`/`to`; 422 with a Vietnamese message when malformed or out of range."""
    try:
        return reports.parse_range(start, end)
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


Range = Annotated[tuple[dt.date, dt.date], Depends(date_range)]


@router.post("/auth/token")
def issue_token(body: Credentials, request: Request, session: SessionDep, settings: SettingsDep) -> Token:
    """Exchange credentials for a bearer token (attempts limited per address and account, like the login page)."""
    address = request.client.host if request.client else "?"
    if not auth.login_allowed(settings, address, body.username):
        raise HTTPException(
            status_code=429,
            detail="Đăng nhập sai quá nhiều lần, vui lòng thử lại sau.",
            headers={"Retry-After": auth.login_retry_after(settings)},
        )
    user = auth.authenticate(session, body.username, body.password)
    if user is None:
        raise HTTPException(status_code=401, detail="Sai tên đăng nhập hoặc mật khẩu.", headers={"WWW-Authenticate": "Bearer"})
    auth.login_succeeded(settings, address, body.username)
    ttl = settings.auth_token_ttl_seconds
    return Token(access_token=auth.sign(settings, "api", {"u": user.username}, ttl), expires_in=ttl, role=user.role)


@router.get("/reports/summary")
def report_summary(user: ReportReader, session: SessionDep, days: Range, channel: Channel) -> dict[str, Any]:
    """Conversations, messages, fallback share, ratings, per channel/procedure/topic/day, tickets, feedback."""
    out = reports.summary(session, days[0], days[1], reports.visible_channel(user.role, channel))
    out["per_week"] = reports.per_week(out["per_day"])
    return out


@router.get("/reports/unanswered")
def report_unanswered(user: ReportReader, session: SessionDep, days: Range, channel: Channel) -> list[dict[str, Any]]:
    """The latest questions the bot could not answer (masked), in the channels this role may see."""
    return reports.unanswered(session, days[0], days[1], reports.visible_channel(user.role, channel))


@router.get("/conversations")
def list_conversations(
    user: TranscriptReader,
    session: SessionDep,
    days: Range,
    channel: Channel,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Conversations active in the range with their masked turns (no sender ids), paginated."""
    return reports.conversations(session, days[0], days[1], reports.visible_channel(user.role, channel), limit, offset)
