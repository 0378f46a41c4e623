"""The website widget's static files (/widget/) and the demo page of the Sở (GET /) that embeds it."""

from __future__ import annotations

import functools
import html
import pathlib

import yaml
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.deps import SettingsDep

WIDGET_DIR = pathlib.Path(__file__).resolve().parent.parent / "widget"  # api/widget/: served by the API, kept with it
router = APIRouter(tags=["widget"])


@functools.lru_cache(maxsize=4)
def _department(site_file: pathlib.Path) -> str:
    """The Sở's name from site.yaml (the demo page shows it)."""
    data = yaml.safe_load(site_file.read_text(encoding="utf-8")) or {}
    return str(data.get("department") or "Sở Giáo dục và Đào tạo")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def demo_page(settings: SettingsDep) -> HTMLResponse:
    """A simple page of the Sở with the widget's one script tag, pointed at the configured Rasa."""
    page = (WIDGET_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{RASA_URL}}", html.escape(settings.widget_rasa_url.rstrip("/"), quote=True))
    page = page.replace("{{DEPARTMENT}}", html.escape(_department(settings.site_file), quote=True))
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def mount_widget(app: FastAPI) -> None:
    """Serve api/widget/ at /widget/ (widget.js, widget.css) and the demo page at /."""
    app.include_router(router)
    app.mount("/widget", StaticFiles(directory=WIDGET_DIR), name="widget")
