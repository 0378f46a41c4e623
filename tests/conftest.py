"""Shared fixtures: a migrated, loaded SQLite database and the real services on loopback."""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from api.catalogue.loader import load_catalogue, read_catalogue
from api.cli import migrate
from api.db import session_factory
from api.lessons.loader import read_lessons, sync_lessons
from api.settings import ROOT, get_settings
from tests import servers
from tests.pg import throwaway_database

ARTIFACTS = ROOT / "tests" / "artifacts"
# Per-run secrets the test API, action server and integration calls share (never real ones).
INTERNAL_TOKEN = f"test-internal-{secrets.token_hex(8)}"
INTEGRATION_TOKEN = f"test-integration-{secrets.token_hex(8)}"
SERVICE_TOKENS = {"DVC_INTERNAL_TOKEN": INTERNAL_TOKEN, "DVC_INTEGRATION_TOKEN": INTEGRATION_TOKEN}


@pytest.fixture(scope="session")
def logdir(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """Where service logs go (kept under tests/artifacts for CI inspection)."""
    path = ARTIFACTS / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def catalogue() -> object:
    """kb/ and site.yaml, validated."""
    return read_catalogue(ROOT / "kb", ROOT / "site.yaml")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory, catalogue: object) -> str:
    """A fresh SQLite database, migrated and loaded with the catalogue."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'dvc.db'}"
    migrate(url)
    with session_factory(url)() as session:
        load_catalogue(session, catalogue)  # type: ignore[arg-type]
        sync_lessons(session, read_lessons(ROOT / "kb" / "lessons", catalogue.sources))  # type: ignore[attr-defined]
    return url


@pytest.fixture()
def api_settings(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the in-process API at the test database."""
    monkeypatch.setenv("DVC_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def rasa_port() -> int:
    """Rasa's port, chosen before the API starts so the demo page (GET /) can point the widget at it."""
    return servers.free_port()


@pytest.fixture(scope="session")
def api_url(db_url: str, logdir: pathlib.Path, rasa_port: int) -> Iterator[str]:
    """The real API server (uvicorn) on a free loopback port."""
    port = servers.free_port()
    env = servers.base_env(DVC_DATABASE_URL=db_url, DVC_WIDGET_RASA_URL=f"http://127.0.0.1:{rasa_port}", **SERVICE_TOKENS)
    with servers.service("api", servers.api_args(port), env, f"http://127.0.0.1:{port}/health", logdir, 60):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def actions_process(api_url: str, logdir: pathlib.Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The real action server, talking to the test API over HTTP: its URL and its process (to stop and resume it)."""
    port = servers.free_port()
    env = servers.base_env(DVC_API_URL=api_url, DVC_INTERNAL_TOKEN=INTERNAL_TOKEN)
    with servers.service("actions", servers.actions_args(port), env, f"http://127.0.0.1:{port}/health", logdir, 120) as proc:
        yield f"http://127.0.0.1:{port}", proc


@pytest.fixture(scope="session")
def actions_url(actions_process: tuple[str, subprocess.Popen[bytes]]) -> str:
    """The real action server's URL."""
    return actions_process[0]


@dataclass(frozen=True)
class RasaServer:
    """A running Rasa server: its URL and the token of its HTTP API."""

    url: str
    token: str

    def say(self, sender: str, message: str, timeout: float = 30, channel: str = "rest") -> list[dict[str, object]]:
        """Send one user message over the REST channel (or the gateways' channel, `channel="gateway"`)."""
        headers = {"Authorization": f"Bearer {servers.GATEWAY_TOKEN}"} if channel == "gateway" else {}
        url = f"{self.url}/webhooks/{channel}/webhook"
        response = httpx.post(url, json={"sender": sender, "message": message}, headers=headers, timeout=timeout)
        response.raise_for_status()
        messages: list[dict[str, object]] = response.json()
        return messages

    def parse(self, text: str) -> dict[str, object]:
        """NLU only: /model/parse."""
        response = httpx.post(f"{self.url}/model/parse", params={"token": self.token}, json={"text": text}, timeout=30)
        response.raise_for_status()
        result: dict[str, object] = response.json()
        return result


@pytest.fixture(scope="session")
def tracker_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite file Rasa's (masking) tracker store writes conversations to during the tests."""
    return f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'tracker.db'}"


@pytest.fixture(scope="session")
def rasa(actions_url: str, api_url: str, rasa_port: int, logdir: pathlib.Path, tracker_db_url: str) -> Iterator[RasaServer]:
    """The real Rasa server with the model trained from this repo, REST channel on loopback."""
    if not servers.MODEL.exists():
        pytest.fail("no trained model: run `make train` (make test does it)")
    port = rasa_port
    token = secrets.token_hex(16)
    env = servers.base_env(ACTION_ENDPOINT_URL=f"{actions_url}/webhook", DVC_TRACKER_DB_URL=tracker_db_url)
    cors = servers.run_sh_cors(int(api_url.rsplit(":", 1)[1]))  # what `make run` allows, for this API's port
    args = servers.rasa_args(port, ROOT / "bot" / "endpoints.yml", token, cors=cors)
    with servers.service("rasa", args, env, f"http://127.0.0.1:{port}/", logdir, 240):
        yield RasaServer(f"http://127.0.0.1:{port}", token)


def in_ci() -> bool:
    """True in CI, where production-profile tests must run and never skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(what: str, exc: Exception) -> None:
    """Fail in CI (the services are always there), skip on a developer machine without them."""
    message = f"{what} not reachable: {exc}"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for the module, dropped afterwards (never skipped in CI)."""
    try:
        with throwaway_database() as url:
            yield url
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL", exc)
