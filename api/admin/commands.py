"""`python -m api.cli create-admin`: create an account or reset its password, the password read from stdin."""

from __future__ import annotations

import getpass
import sys

from api.admin.auth import upsert_user
from api.db import session_factory
from api.settings import Settings


def read_password() -> str:
    """Prompt twice on a terminal; read one line from a pipe (scripts, CI)."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != first:
            raise ValueError("hai lần nhập mật khẩu không khớp")
        return first
    return sys.stdin.readline().rstrip("\n")


def create_admin(settings: Settings, username: str, role: str) -> int:
    """Upsert the account; exit code 0, or 1 with a message on stderr."""
    try:
        password = read_password()
        with session_factory(settings.database_url)() as session:
            upsert_user(session, username, password, role)
    except ValueError as exc:
        print(f"create-admin: {exc}", file=sys.stderr)
        return 1
    print(f"account {username} ({role}) saved")
    return 0
