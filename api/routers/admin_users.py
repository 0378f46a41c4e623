"""Admin page for accounts (admin role only): list, create or reset, lock."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from api.admin import auth
from api.admin.guards import PageUser, check_csrf, require_page
from api.admin.models import UserRow
from api.admin.pages import render
from api.deps import SessionDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
Admin = Annotated[PageUser, Depends(require_page("admin"))]


@router.get("/users")
def users(request: Request, session: SessionDep, who: Admin, done: str | None = None) -> Response:
    """All accounts and the form to add one."""
    rows = list(session.scalars(select(UserRow).order_by(UserRow.username)))
    return render(request, "users.html", who, page="users", users=rows, notice="Đã lưu tài khoản." if done else None)


@router.post("/users")
def save_user(
    request: Request,
    session: SessionDep,
    who: Admin,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form()] = "staff",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create an account or reset its password and role."""
    check_csrf(who, csrf_token)
    try:
        auth.upsert_user(session, username.strip(), password, role)
    except ValueError:
        rows = list(session.scalars(select(UserRow).order_by(UserRow.username)))
        error = "Tên đăng nhập không được trống, mật khẩu ít nhất 8 ký tự, vai trò phải hợp lệ."
        return render(request, "users.html", who, status_code=400, page="users", users=rows, error=error)
    return RedirectResponse("/admin/users?done=1", status_code=303)


@router.post("/users/{user_id}/deactivate")
def deactivate(user_id: int, session: SessionDep, who: Admin, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Lock an account (not one's own); its sessions and tokens stop working at once."""
    check_csrf(who, csrf_token)
    user = session.get(UserRow, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy tài khoản.")
    if user.id == who.user.id:
        raise HTTPException(status_code=400, detail="Không thể tự khoá tài khoản đang đăng nhập.")
    user.active = False
    session.commit()
    return RedirectResponse("/admin/users?done=1", status_code=303)
