"""Helpers for the records/reports/admin tests: a fresh database, the real API with tokens and an admin, a browser-like login."""

from __future__ import annotations

import pathlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from api.admin.auth import upsert_user
from api.catalogue.loader import Catalogue, load_catalogue
from api.cli import migrate
from api.db import session_factory
from tests import servers

INTERNAL = "internal-" + secrets.token_hex(8)
ADMIN, ADMIN_PASSWORD = "quantri", "mat-khau-" + secrets.token_hex(6)
STAFF, TEACHER, PASSWORD = "canbo", "giaovien", "mat-khau-" + secrets.token_hex(6)


def fresh_db(directory: pathlib.Path, catalogue: Catalogue) -> str:
    """A new migrated SQLite database with the catalogue and a staff and a teacher account."""
    url = f"sqlite:///{directory / 'records.db'}"
    migrate(url)
    with session_factory(url)() as session:
        load_catalogue(session, catalogue)
        upsert_user(session, STAFF, PASSWORD, "staff")
        upsert_user(session, TEACHER, PASSWORD, "teacher")
    return url


@contextmanager
def api(db_url: str, logdir: pathlib.Path, name: str, port: int | None = None, workers: int = 1, **env: str) -> Iterator[str]:
    """The real API on a free port (or `port`): internal token, the first admin from the environment, a fixed secret key."""
    port = port or servers.free_port()
    settings = {
        "DVC_DATABASE_URL": db_url, "DVC_INTERNAL_TOKEN": INTERNAL, "DVC_ADMIN_USER": ADMIN,
        "DVC_ADMIN_PASSWORD": ADMIN_PASSWORD, "DVC_SECRET_KEY": secrets.token_hex(16),
    }  # fmt: skip
    settings.update(env)
    url = f"http://127.0.0.1:{port}"
    with servers.service(name, servers.api_args(port, workers), servers.base_env(**settings), f"{url}/health", logdir, 60):
        yield url


def internal() -> dict[str, str]:
    """Headers of the action server."""
    return {"Authorization": f"Bearer {INTERNAL}"}


def csrf_in(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(base: str, username: str, password: str) -> httpx.Client:
    """A client with a logged-in admin session (GET the form, POST it with its CSRF token)."""
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/admin/login")
    response = client.post("/admin/login", data={"username": username, "password": password, "csrf_token": csrf_in(page.text)})
    assert response.status_code == 303, response.text
    return client
