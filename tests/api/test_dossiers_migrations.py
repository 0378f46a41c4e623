"""Migration 0002 up and down on SQLite and PostgreSQL, and one lookup served from PostgreSQL (never skipped in CI)."""

from __future__ import annotations

import pathlib

import httpx
from alembic import command
from sqlalchemy import inspect

from api.catalogue.loader import Catalogue, load_catalogue
from api.cli import alembic_config, migrate
from api.db import get_engine, session_factory
from api.dossiers.demo import seed_demo
from tests.api.dossier_servers import api, internal

TABLES = {"dossiers", "dossier_history", "dossier_lookup_failures", "dossier_subscriptions", "notifications"}
HEAD_TABLES = (TABLES - {"dossier_lookup_failures"}) | {"dossier_lookup_guards", "rate_limits"}  # 0004


def tables(url: str) -> set[str]:
    """Table names right now (a fresh inspector, no cache)."""
    return set(inspect(get_engine(url)).get_table_names())


def up_down_up(url: str) -> None:
    """0002 creates its tables, downgrading to 0001 drops exactly them, and it upgrades again."""
    migrate(url, "0002")
    assert tables(url) >= TABLES
    command.downgrade(alembic_config(url), "0001")
    assert not TABLES & tables(url) and "procedures" in tables(url)
    migrate(url)
    assert tables(url) >= HEAD_TABLES and "dossier_lookup_failures" not in tables(url)


def test_migration_up_down_on_sqlite(tmp_path: pathlib.Path) -> None:
    up_down_up(f"sqlite:///{tmp_path / 'm.db'}")


def test_migration_up_down_and_a_lookup_on_postgresql(pg_url: str, catalogue: Catalogue, logdir: pathlib.Path) -> None:
    up_down_up(pg_url)
    with session_factory(pg_url)() as session:
        load_catalogue(session, catalogue)
        seed_demo(session)
    with api(pg_url, logdir, "api-dossiers-pg") as base:
        body = {"code": "000.00.31.h26-260112-0006", "phone_last4": "6666", "sender": "telegram:1"}
        found = httpx.post(f"{base}/api/v1/dossiers/lookup", json=body, headers=internal()).json()
        assert found["status"] == "found"
        assert found["dossier"]["rejection_reason"].startswith("Hồ sơ nộp sau thời hạn")
        assert found["dossier"]["procedure_slug"] == "phuc_khao_bai_thi_tot_nghiep_thpt"
        for _ in range(5):
            wrong = httpx.post(f"{base}/api/v1/dossiers/lookup", json={**body, "phone_last4": "0000"}, headers=internal())
            assert wrong.json() == {"status": "not_found"}
        locked = httpx.post(f"{base}/api/v1/dossiers/lookup", json=body, headers=internal()).json()
        assert locked["status"] == "locked"
