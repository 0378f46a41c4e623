"""Rendering the admin pages: the Jinja2 environment and what every page gets (names, formatting)."""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

from fastapi import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from api.admin.exports import CHANNEL_NAMES
from api.admin.guards import PageUser
from api.records.service import LOCAL_TZ

ROLE_NAMES = {"admin": "Quản trị", "staff": "Cán bộ một cửa", "teacher": "Giáo viên"}
templates = Jinja2Templates(directory=pathlib.Path(__file__).with_name("templates"))


def fmt(value: dt.datetime | None) -> str:
    """A stored moment as Vietnam local time, dd/mm/yyyy HH:MM."""
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def render(request: Request, name: str, who: PageUser | None, status_code: int = 200, **context: Any) -> Response:
    """A page with the shared context; never cached (it shows people's questions)."""
    base = {"who": who, "role_names": ROLE_NAMES, "channel_names": CHANNEL_NAMES, "fmt": fmt}
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response
