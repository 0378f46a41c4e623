"""GET /health: 200 only with a reachable database and a loaded catalogue."""

from __future__ import annotations

import pathlib

import pytest
from fastapi.testclient import TestClient

from api.cli import migrate
from api.main import create_app
from api.settings import get_settings


def test_health_ok(api_settings: None) -> None:
    body = TestClient(create_app()).get("/health")
    assert body.status_code == 200
    assert body.json()["catalogue"] is True


def test_health_503_when_catalogue_empty(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(url)
    monkeypatch.setenv("DVC_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        response = TestClient(create_app()).get("/health")
    finally:
        get_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["database"] is True and response.json()["catalogue"] is False


def test_health_503_when_database_unreachable(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    get_settings.cache_clear()
    try:
        response = TestClient(create_app()).get("/health")
    finally:
        get_settings.cache_clear()
    assert response.status_code == 503
