"""API start-up: the production profile refuses an incomplete setup; the admin from the environment is created once."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from api.admin.auth import authenticate, bootstrap_admin, upsert_user
from api.admin.models import UserRow
from api.cli import migrate
from api.db import session_factory
from api.settings import Settings, production_problems
from tests import servers

COMPLETE: dict[str, Any] = {
    "profile": "production", "secret_key": "k" * 32, "internal_token": "i", "integration_token": "o",
    "redis_url": "redis://127.0.0.1:6379/7",
}  # fmt: skip


def test_every_missing_variable_is_named() -> None:
    assert production_problems(Settings(**COMPLETE)) == []
    assert production_problems(Settings(profile="dev")) == []
    for name in ("secret_key", "internal_token", "integration_token", "redis_url"):
        problems = production_problems(Settings(**{**COMPLETE, name: None}))
        assert len(problems) == 1 and problems[0].startswith(f"DVC_{name.upper()} is not set"), problems
    assert production_problems(Settings(**{**COMPLETE, "secret_key": "short"})) == [
        "DVC_SECRET_KEY is shorter than 32 characters"
    ]


def test_the_production_api_does_not_start_without_its_secrets(tmp_path: pathlib.Path, logdir: pathlib.Path) -> None:
    port = servers.free_port()
    env = servers.base_env(
        DVC_PROFILE="production", DVC_DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}", DVC_INTERNAL_TOKEN="i",
        DVC_INTEGRATION_TOKEN="o", DVC_REDIS_URL="redis://127.0.0.1:6379/7",
    )  # fmt: skip
    with (
        pytest.raises(RuntimeError, match="DVC_SECRET_KEY is not set"),
        servers.service("api-production-refused", servers.api_args(port), env, f"http://127.0.0.1:{port}/health", logdir, 60),
    ):
        pass


def test_the_admin_from_the_environment_is_created_only_when_missing(tmp_path: pathlib.Path) -> None:
    url = f"sqlite:///{tmp_path / 'admin.db'}"
    migrate(url)
    settings = Settings(database_url=url, admin_user="quantri", admin_password="mat-khau-ban-dau")
    assert bootstrap_admin(settings) == "quantri"
    with session_factory(url)() as session:
        upsert_user(session, "quantri", "mat-khau-da-doi", "admin")  # the admin changes the password
        user = session.query(UserRow).filter_by(username="quantri").one()
        user.active = False  # and another admin disables the account
        session.commit()
    assert bootstrap_admin(settings) is None  # a restart
    with session_factory(url)() as session:
        user = session.query(UserRow).filter_by(username="quantri").one()
        assert user.active is False, "a restart does not re-enable the account"
        user.active = True
        session.commit()
        assert authenticate(session, "quantri", "mat-khau-ban-dau") is None, "nor reset its password"
        assert authenticate(session, "quantri", "mat-khau-da-doi") is not None
