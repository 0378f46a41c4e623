"""Who is calling: HTTP Basic or bearer tokens for the report API, a signed cookie session for the pages."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from api.admin import auth
from api.admin.models import UserRow
from api.deps import SessionDep, SettingsDep

SESSION_COOKIE = "dvc_admin"
LOGIN_PATH = "/admin/login"
PAGE_ROLES = {
    "reports": ("admin", "staff", "teacher"),
    "staff": ("admin", "staff"),
    "admin": ("admin",),
    "classes": ("admin", "teacher"),
}


def _unauthorized(scheme: str = 'Basic realm="dvc", Bearer') -> HTTPException:
    return HTTPException(status_code=401, detail="authentication required", headers={"WWW-Authenticate": scheme})


def _forbidden() -> HTTPException:
    return HTTPException(status_code=403, detail="Tài khoản của anh/chị không có quyền truy cập mục này.")


def api_user(request: Request, session: SessionDep, settings: SettingsDep) -> UserRow:
    """The account behind `Authorization: Basic …` or `Bearer <token from /api/v1/auth/token>`; 401 otherwise.

    Basic credentials count against the same attempt limit as the login form (429 before argon2 runs).
    """
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    user: UserRow | None = None
    if scheme.lower() == "bearer":
        payload = auth.unsign(settings, "api", value.strip())
        user = auth.active_user(session, str(payload["u"])) if payload else None
    elif scheme.lower() == "basic":
        try:
            username, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except ValueError:  # not base64 (binascii.Error), non-ASCII header text, not UTF-8 (UnicodeDecodeError)
            raise _unauthorized() from None
        address = request.client.host if request.client else "?"
        if not auth.login_allowed(settings, address, username):
            raise HTTPException(
                status_code=429,
                detail="Đăng nhập sai quá nhiều lần, vui lòng thử lại sau.",
                headers={"Retry-After": auth.login_retry_after(settings)},
            )
        user = auth.authenticate(session, username, password)
        if user is not None:
            auth.login_succeeded(settings, address, username)
    if user is None:
        raise _unauthorized()
    return user


ApiUser = Annotated[UserRow, Depends(api_user)]


def require_api(*roles: str) -> Callable[[UserRow], UserRow]:
    """A dependency: an API caller with one of `roles`, else 401/403."""

    def check(user: ApiUser) -> UserRow:
        if user.role not in roles:
            raise _forbidden()
        return user

    return check


@dataclass(frozen=True)
class PageUser:
    """A logged-in browser: the account and the CSRF token of its session."""

    user: UserRow
    csrf: str
    nonce: str


def page_user(request: Request, session: SessionDep, settings: SettingsDep) -> PageUser:
    """The logged-in account; browsers are sent to the login page (303), other clients get 401."""
    payload = auth.unsign(settings, "session", request.cookies.get(SESSION_COOKIE))
    user = auth.active_user(session, str(payload["u"])) if payload else None
    if user is None or payload is None:
        if "text/html" in request.headers.get("accept", ""):
            raise HTTPException(status_code=303, detail="login required", headers={"Location": LOGIN_PATH})
        raise _unauthorized("Cookie")
    nonce = str(payload["n"])
    return PageUser(user=user, csrf=auth.csrf_token(settings, nonce), nonce=nonce)


LoggedIn = Annotated[PageUser, Depends(page_user)]


def require_page(area: str) -> Callable[[PageUser], PageUser]:
    """A dependency: a logged-in account allowed in `area` (reports, staff, admin), else 401/303/403."""
    roles = PAGE_ROLES[area]

    def check(who: LoggedIn) -> PageUser:
        if who.user.role not in roles:
            raise _forbidden()
        return who

    return check


def check_csrf(who: PageUser, given: str | None) -> None:
    """403 unless a form carries the session's CSRF token."""
    if not given or not hmac.compare_digest(who.csrf.encode(), given.encode()):
        raise HTTPException(status_code=403, detail="Phiên làm việc không hợp lệ (CSRF), anh/chị vui lòng tải lại trang.")
