"""Helpers for the dossier tests: a fresh migrated database and the real API with tokens on loopback."""

from __future__ import annotations

import pathlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from api.catalogue.loader import Catalogue, load_catalogue
from api.cli import migrate
from api.db import session_factory
from tests import servers

INTEGRATION = "integ-" + secrets.token_hex(8)
INTERNAL = "internal-" + secrets.token_hex(8)


def fresh_db(directory: pathlib.Path, catalogue: Catalogue) -> str:
    """A new SQLite database, migrated and loaded with the catalogue (so procedure names resolve)."""
    url = f"sqlite:///{directory / 'dossiers.db'}"
    migrate(url)
    with session_factory(url)() as session:
        load_catalogue(session, catalogue)
    return url


@contextmanager
def api(db_url: str, logdir: pathlib.Path, name: str, workers: int = 1, **env: str) -> Iterator[str]:
    """The real API on a free port with both tokens set (override or blank them through `env`)."""
    port = servers.free_port()
    settings = {"DVC_DATABASE_URL": db_url, "DVC_INTEGRATION_TOKEN": INTEGRATION, "DVC_INTERNAL_TOKEN": INTERNAL}
    settings.update(env)
    child_env = servers.base_env(**{k: v for k, v in settings.items() if v})
    url = f"http://127.0.0.1:{port}"
    with servers.service(name, servers.api_args(port, workers), child_env, f"{url}/health", logdir, 60):
        yield url


def integ() -> dict[str, str]:
    """Headers of the one-stop system."""
    return {"Authorization": f"Bearer {INTEGRATION}"}


def internal() -> dict[str, str]:
    """Headers of the action server / gateway."""
    return {"Authorization": f"Bearer {INTERNAL}"}


def dossier(status: str = "received", **extra: object) -> dict[str, object]:
    """A valid PUT body."""
    body: dict[str, object] = {
        "procedure_code": "3.000465",
        "status": status,
        "received_at": "2026-01-12",
        "due_at": "2026-01-19",
        "applicant_name": "Trần Thị Bí Mật",
        "applicant_phone": "0912 345 678",
    }
    body.update(extra)
    return body
