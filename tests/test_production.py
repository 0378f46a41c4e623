"""The production profile for real: PostgreSQL for the API and a Redis lock store for Rasa (never skipped in CI)."""

from __future__ import annotations

import os
import pathlib
import secrets
import subprocess

import httpx
import psycopg
import pytest
import redis
from alembic import command
from sqlalchemy import inspect, text

from api.catalogue.loader import Catalogue, load_catalogue
from api.cli import alembic_config, migrate
from api.db import get_engine, session_factory
from tests import servers
from tests.conftest import unavailable
from tests.pg import throwaway_database

ROOT = pathlib.Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("DVC_TEST_REDIS", "redis://127.0.0.1:6379/7")
pytestmark = pytest.mark.production


@pytest.fixture(scope="module")
def redis_client() -> redis.Redis:
    """A Redis connection to the lock-store database."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable("Redis", exc)
    return client


def test_migrations_up_down_up_on_postgresql(pg_url: str) -> None:
    migrate(pg_url)
    assert "procedures" in inspect(get_engine(pg_url)).get_table_names()
    command.downgrade(alembic_config(pg_url), "base")
    assert "procedures" not in inspect(get_engine(pg_url)).get_table_names()
    migrate(pg_url)
    assert "procedures" in inspect(get_engine(pg_url)).get_table_names()


def test_load_is_idempotent_on_postgresql(pg_url: str, catalogue: Catalogue) -> None:
    migrate(pg_url)
    with session_factory(pg_url)() as session:
        load_catalogue(session, catalogue)
        again = load_catalogue(session, catalogue)
    assert not again.changed


def test_full_stack_on_postgresql_and_redis(
    pg_url: str, catalogue: Catalogue, redis_client: redis.Redis, logdir: pathlib.Path
) -> None:
    """API, turn records and Rasa's masked tracker store on PostgreSQL, Redis lock store: a two-turn conversation."""
    migrate(pg_url)
    with session_factory(pg_url)() as session:
        load_catalogue(session, catalogue)
    api_port, act_port, rasa_port = servers.free_port(), servers.free_port(), servers.free_port()
    token = secrets.token_hex(8)
    api_env = servers.base_env(DVC_DATABASE_URL=pg_url, DVC_INTERNAL_TOKEN=token)
    api_url = f"http://127.0.0.1:{api_port}"
    db = REDIS_URL.rsplit("/", 1)[1]
    sender = f"web:prod-{secrets.token_hex(4)}"
    replies: list[list[dict[str, str]]] = []
    with servers.service("api-pg", servers.api_args(api_port), api_env, f"{api_url}/health", logdir, 60):
        search = httpx.get(f"{api_url}/api/v1/search", params={"q": "chuyen trg"}).json()
        assert search["procedures"][0]["slug"] == "chuyen_truong_thpt"
        act_env = servers.base_env(DVC_API_URL=api_url, DVC_INTERNAL_TOKEN=token)
        with servers.service(
            "actions-pg", servers.actions_args(act_port), act_env, f"http://127.0.0.1:{act_port}/health", logdir, 120
        ):
            rasa_env = servers.base_env(
                ACTION_ENDPOINT_URL=f"http://127.0.0.1:{act_port}/webhook",
                DVC_TRACKER_DB_URL=pg_url,
                REDIS_HOST="127.0.0.1",
                REDIS_PORT="6379",
                REDIS_LOCK_DB=db,
            )
            args = servers.rasa_args(rasa_port, ROOT / "bot" / "endpoints.production.yml", secrets.token_hex(8))
            before = int(redis_client.info("commandstats").get("cmdstat_set", {}).get("calls", 0))
            with servers.service("rasa-prod", args, rasa_env, f"http://127.0.0.1:{rasa_port}/", logdir, 240):
                for message in ("ho so xin hoc lai gom nhung gi, sdt em 0912 345 678", "thế mất bao lâu ạ"):
                    replies.append(
                        httpx.post(
                            f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                            json={"sender": sender, "message": message},
                            timeout=30,
                        ).json()
                    )
            after = int(redis_client.info("commandstats").get("cmdstat_set", {}).get("calls", 0))
    assert "học lại" in " ".join(m.get("text", "") for m in replies[0]).lower()
    assert "thời hạn" in " ".join(m.get("text", "") for m in replies[1]).lower(), "the follow-up kept the procedure"
    assert after > before, "the Redis lock store was used for the conversation"
    with get_engine(pg_url).connect() as conn:
        events = [row[0] for row in conn.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})]
        turns = conn.execute(
            text("SELECT t.text FROM turns t JOIN conversations c ON c.id = t.conversation_id WHERE c.sender = :s"),
            {"s": sender},
        ).all()
    stored = "\n".join(events)
    assert sum('"event": "user"' in e for e in events) == 2, "both turns stored once, in order"
    assert "0912 345 678" not in stored and "[S\\u0110T]" in stored, "the phone number was masked before writing"
    assert len(turns) == 2 and all("0912" not in t.text for t in turns), "turn records on PostgreSQL, masked"


def test_production_profile_starts_only_complete_and_limits_in_redis(
    pg_url: str, catalogue: Catalogue, redis_client: redis.Redis, logdir: pathlib.Path
) -> None:
    """DVC_PROFILE=production: a missing variable is named and stops the API; complete, two workers count in Redis."""
    migrate(pg_url)
    with session_factory(pg_url)() as session:
        load_catalogue(session, catalogue)
    prefix = f"dvc-prod-{secrets.token_hex(4)}:"
    complete = {
        "DVC_PROFILE": "production", "DVC_DATABASE_URL": pg_url, "DVC_SECRET_KEY": secrets.token_hex(32),
        "DVC_INTERNAL_TOKEN": secrets.token_hex(8), "DVC_INTEGRATION_TOKEN": secrets.token_hex(8),
        "DVC_REDIS_URL": REDIS_URL, "DVC_REDIS_PREFIX": prefix, "DVC_LOGIN_MAX_ATTEMPTS": "3",
    }  # fmt: skip
    port = servers.free_port()
    url = f"http://127.0.0.1:{port}"
    incomplete = servers.base_env(**{k: v for k, v in complete.items() if k != "DVC_REDIS_URL"})
    refused = servers.service("api-prod-refused", servers.api_args(port), incomplete, f"{url}/health", logdir, 60)
    with pytest.raises(RuntimeError, match="DVC_REDIS_URL is not set"), refused:
        pass
    try:
        with servers.service("api-prod", servers.api_args(port, 2), servers.base_env(**complete), f"{url}/health", logdir, 60):
            codes = []
            for i in range(5):  # a new connection each time: both workers answer
                with httpx.Client() as client:
                    codes.append(client.get(f"{url}/api/v1/reports/summary", auth=("ai-do", f"sai-{i}")).status_code)
            assert codes == [401, 401, 401, 429, 429]
            assert any(b"login-address" in key for key in redis_client.scan_iter(prefix.rstrip(":") + ":*"))
    finally:
        redis_client.delete(*redis_client.keys(prefix.rstrip(":") + ":*") or [prefix])


STORE_SCRIPT = "from bot.tracker_store import MaskingSQLTrackerStore; MaskingSQLTrackerStore(); MaskingSQLTrackerStore()"


def test_a_new_conversation_finds_its_last_event_by_index_at_any_table_size() -> None:
    """Many conversations of ~100 events each: PostgreSQL must not walk the whole table for a sender with none."""
    try:
        with throwaway_database("dvc_events") as url:
            python = servers.ROOT / ".venv-rasa" / "bin" / "python"
            env = servers.base_env(DVC_TRACKER_DB_URL=url)
            result = subprocess.run([str(python), "-c", STORE_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True)
            assert result.returncode == 0, result.stderr[-2000:]  # twice: a second instance starting finds the index
            with get_engine(url).begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, data) SELECT 'web:' || (g % 16) || '-' || "
                        "(g / 1760), 'user', g, repeat('x', 300) FROM generate_series(1, 60000) g"
                    )
                )
                conn.execute(text("ANALYZE events"))
                explain = text("EXPLAIN SELECT max(id) FROM events WHERE sender_id = 'web:new'")
                plan = "\n".join(row[0] for row in conn.execute(explain))
    except psycopg.OperationalError as exc:
        unavailable("PostgreSQL", exc)
    assert "ix_events_sender_id_id" in plan and "events_pkey" not in plan, plan
