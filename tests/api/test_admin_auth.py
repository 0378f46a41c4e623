"""Every admin and report route answers 401 without login and 403 for the wrong role (new routes cannot escape)."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.catalogue.loader import Catalogue
from api.main import create_app
from tests.api import records_servers as rs

# Who may use each protected route; a new admin/report route must be added here or the test fails.
ALLOWED = {
    "POST /admin/logout": {"admin", "staff", "teacher"},
    "GET /admin": {"admin", "staff", "teacher"},
    "GET /admin/print": {"admin", "staff", "teacher"},
    "GET /admin/export.csv": {"admin", "staff", "teacher"},
    "GET /admin/export.xlsx": {"admin", "staff", "teacher"},
    "GET /admin/tickets": {"admin", "staff"},
    "POST /admin/tickets/{ticket_id}/answer": {"admin", "staff"},
    "GET /admin/feedback": {"admin", "staff"},
    "POST /admin/feedback/{item_id}/answer": {"admin", "staff"},
    "GET /admin/users": {"admin"},
    "POST /admin/users": {"admin"},
    "POST /admin/users/{user_id}/deactivate": {"admin"},
    "GET /admin/calendar": {"admin", "staff"},
    "POST /admin/calendar/{event_id}": {"admin", "staff"},
    "GET /admin/undelivered": {"admin", "staff"},
    "GET /admin/classes": {"admin", "teacher"},
    "POST /admin/classes": {"admin", "teacher"},
    "GET /admin/classes/{code}": {"admin", "teacher"},
    "GET /admin/classes/{code}.csv": {"admin", "teacher"},
    "POST /admin/classes/{code}/close": {"admin", "teacher"},
    "GET /api/v1/reports/summary": {"admin", "staff", "teacher"},
    "GET /api/v1/reports/unanswered": {"admin", "staff", "teacher"},
    "GET /api/v1/conversations": {"admin", "staff"},
}
PUBLIC = {"GET /admin/login", "POST /admin/login"}
PROTECTED_PREFIXES = ("/admin", "/api/v1/reports", "/api/v1/conversations", "/api/v1/users")


def all_routes(routes: list[Any]) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, descending into included routers."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from all_routes(route.original_router.routes)
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                yield method, route.path


def protected() -> list[tuple[str, str]]:
    return [(m, p) for m, p in all_routes(create_app().routes) if p.startswith(PROTECTED_PREFIXES) and f"{m} {p}" not in PUBLIC]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    db = rs.fresh_db(tmp_path_factory.mktemp("admin-auth"), catalogue)
    with rs.api(db, logdir, "api-admin-auth", DVC_LOGIN_MAX_ATTEMPTS="3", DVC_LOGIN_MAX_ATTEMPTS_PER_USER="5") as base:
        yield base


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_protected_route_is_declared() -> None:
    found = {f"{m} {p}" for m, p in protected()}
    assert found == set(ALLOWED), f"undeclared: {found - set(ALLOWED)}, gone: {set(ALLOWED) - found}"


def test_every_protected_route_answers_401_without_login(url: str) -> None:
    for method, path in protected():
        response = httpx.request(method, url + concrete(path), data={"csrf_token": "x"} if method == "POST" else None)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
    browser = httpx.get(f"{url}/admin", headers={"Accept": "text/html"})
    assert browser.status_code == 303 and browser.headers["location"] == "/admin/login"


@pytest.mark.parametrize(("username", "role"), [(rs.TEACHER, "teacher"), (rs.STAFF, "staff")])
def test_wrong_role_gets_403(url: str, username: str, role: str) -> None:
    client = rs.login(url, username, rs.PASSWORD)
    token = httpx.post(f"{url}/api/v1/auth/token", json={"username": username, "password": rs.PASSWORD}).json()["access_token"]
    try:
        for method, path in protected():
            if role in ALLOWED[f"{method} {path}"]:
                continue
            if path.startswith("/admin"):
                response = client.request(method, concrete(path), data={"csrf_token": "x"} if method == "POST" else None)
            else:
                response = httpx.request(method, url + concrete(path), headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 403, f"{role} {method} {path}: {response.status_code}"
    finally:
        client.close()


def from_address(url: str, address: str) -> httpx.Client:
    """A client whose requests come from another loopback address (the limits count per address)."""
    return httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address))


def test_login_is_rate_limited_and_needs_csrf(url: str) -> None:
    with from_address(url, "127.0.0.2") as client:
        client.get("/admin/login")
        page = client.post("/admin/login", data={"username": rs.TEACHER, "password": rs.PASSWORD})
        assert page.status_code == 403  # no CSRF token: refused even with the right password
        codes = []
        for _ in range(4):
            page = client.post(
                "/admin/login", data={"username": rs.TEACHER, "password": "sai", "csrf_token": rs.csrf_in(page.text)}
            )
            codes.append(page.status_code)
        assert codes == [401, 401, 401, 429]
        assert "thử lại sau" in page.text
        right = client.post(
            "/admin/login", data={"username": rs.TEACHER, "password": rs.PASSWORD, "csrf_token": rs.csrf_in(page.text)}
        )
        assert right.status_code == 429  # still blocked within the window, even with the right password


def test_admin_can_manage_users_and_locked_accounts_stop_working(url: str) -> None:
    admin = rs.login(url, rs.ADMIN, rs.ADMIN_PASSWORD)
    try:
        page = admin.get("/admin/users")
        csrf = rs.csrf_in(page.text)
        short = admin.post("/admin/users", data={"username": "moi", "password": "ngan", "role": "staff", "csrf_token": csrf})
        assert short.status_code == 400 and "ít nhất 8 ký tự" in short.text
        made = admin.post(
            "/admin/users", data={"username": "moi", "password": "du-dai-roi", "role": "teacher", "csrf_token": csrf}
        )
        assert made.status_code == 303
        newcomer = rs.login(url, "moi", "du-dai-roi")
        assert newcomer.get("/admin").status_code == 200
        user_id = re.search(r"/admin/users/(\d+)/deactivate", admin.get("/admin/users").text.split("moi")[1])
        assert user_id
        assert admin.post(f"/admin/users/{user_id.group(1)}/deactivate", data={"csrf_token": csrf}).status_code == 303
        assert newcomer.get("/admin").status_code == 401
        newcomer.close()
    finally:
        admin.close()


def test_basic_auth_is_limited_per_address_before_argon2(url: str) -> None:
    with from_address(url, "127.0.0.6") as client:
        codes = [client.get("/api/v1/reports/summary", auth=(rs.ADMIN, f"sai-{i}")).status_code for i in range(4)]
        assert codes == [401, 401, 401, 429]
        blocked = client.get("/api/v1/reports/summary", auth=(rs.ADMIN, rs.ADMIN_PASSWORD))
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        other_user = client.post("/api/v1/auth/token", json={"username": "ai-do", "password": "sai"})
        assert other_user.status_code == 429, "random user names from one address share its allowance"
    with from_address(url, "127.0.0.7") as client:
        assert client.get("/api/v1/reports/summary", auth=(rs.ADMIN, rs.ADMIN_PASSWORD)).status_code == 200


def test_basic_auth_is_limited_per_user_across_addresses(url: str) -> None:
    codes = []
    for last, tries in ((8, 3), (9, 2), (10, 1)):
        with from_address(url, f"127.0.0.{last}") as client:
            codes += [client.get("/api/v1/reports/summary", auth=("nan-nhan", "sai")).status_code for _ in range(tries)]
    assert codes == [401] * 5 + [429], "5 failures per account name, whatever the address"


def test_a_successful_basic_request_uses_no_allowance(url: str) -> None:
    with from_address(url, "127.0.0.11") as client:
        codes = [client.get("/api/v1/reports/summary", auth=(rs.ADMIN, rs.ADMIN_PASSWORD)).status_code for _ in range(6)]
    assert codes == [200] * 6


def test_the_limit_holds_across_two_workers(tmp_path: pathlib.Path, catalogue: Catalogue, logdir: pathlib.Path) -> None:
    db = rs.fresh_db(tmp_path, catalogue)
    with rs.api(db, logdir, "api-admin-auth-workers", workers=2, DVC_LOGIN_MAX_ATTEMPTS="4") as base:
        codes = []
        for i in range(8):  # a new connection each time: the requests spread over both worker processes
            with from_address(base, "127.0.0.12") as client:
                codes.append(client.get("/api/v1/reports/summary", auth=("x", f"sai-{i}")).status_code)
    assert codes == [401] * 4 + [429] * 4
