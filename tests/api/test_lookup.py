"""Public lookup over real HTTP: answers of the contract, privacy, lockout, rate limit (in-process and Redis)."""

from __future__ import annotations

import json
import pathlib
import secrets
import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis

from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.dossiers.demo import seed_demo
from api.dossiers.ratelimit import RedisRateLimiter
from tests.api.dossier_servers import api, fresh_db, internal
from tests.conftest import in_ci

LOOKUP = "/api/v1/dossiers/lookup"
READY = "000.00.31.H26-260112-0004"  # demo: result_ready, phone ...4444
OVERDUE = "000.00.31.H26-260112-0007"  # demo: in_progress, 5 days past due, phone ...7777
REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    """A fresh database with the demo dossiers."""
    url = fresh_db(tmp_path_factory.mktemp("lookup"), catalogue)
    with session_factory(url)() as session:
        seed_demo(session)
    return url


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    """The API with default limits."""
    with api(db, logdir, "api-lookup") as base:
        yield base


def ask(url: str, code: str, digits: str, sender: str | None = None, token: bool = True) -> httpx.Response:
    """One lookup, as the action server (token + sender) or as a browser (no token)."""
    headers = internal() if token else {}
    return httpx.post(f"{url}{LOOKUP}", json={"code": code, "phone_last4": digits, "sender": sender}, headers=headers)


def sender() -> str:
    """A new conversation."""
    return f"telegram:{secrets.randbelow(10**9)}"


def test_found_with_loose_code_and_no_personal_data(url: str) -> None:
    r = ask(url, "  000.00.31.h26-2601120004 ", "4444", sender())
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "found"
    d = body["dossier"]
    assert d["code"] == READY and d["status"] == "result_ready" and d["overdue"] is False
    assert d["procedure_code"] == "2.002850" and d["procedure_slug"] == "cap_lai_van_bang"
    assert d["procedure_name"] == "Cấp lại văn bằng, chứng chỉ"
    assert d["result_delivery"] == "desk" and d["demo"] is True
    assert [h["status"] for h in d["history"]] == ["received", "in_progress", "result_ready"]
    expected_keys = {
        "code", "procedure_code", "procedure_name", "procedure_slug", "submitted_via", "received_at", "due_at",
        "status", "overdue", "missing_documents", "rejection_reason", "result_delivery", "postal_tracking",
        "history", "demo",
    }  # fmt: skip
    assert expected_keys <= set(d)
    text = r.text
    assert "0900004444" not in text and "DEMO" not in text and "applicant" not in text


def test_overdue_is_computed_from_due_at(url: str) -> None:
    d = ask(url, OVERDUE, "7777", sender()).json()["dossier"]
    assert d["overdue"] is True and d["days_overdue"] == 5
    returned = ask(url, "000.00.31.H26-260112-0005", "5555", sender()).json()["dossier"]
    assert returned["overdue"] is False and returned["postal_tracking"] == "EB000000005VN"


def test_invalid_code_gets_the_example(url: str) -> None:
    assert ask(url, "12345", "4444", sender()).json() == {"status": "invalid_code", "example": "000.00.31.H26-260112-0003"}


def test_wrong_digits_and_unknown_code_look_the_same(url: str) -> None:
    wrong_digits = ask(url, READY, "0000", sender())
    unknown_code = ask(url, "000.00.31.H26-991231-9999", "4444", sender())
    assert wrong_digits.status_code == unknown_code.status_code == 200
    assert wrong_digits.content == unknown_code.content == json.dumps({"status": "not_found"}, separators=(",", ":")).encode()
    assert dict(wrong_digits.headers).keys() == dict(unknown_code.headers).keys()


def test_five_failures_lock_that_code_for_that_sender(url: str) -> None:
    who = sender()
    for _ in range(5):
        assert ask(url, READY, "1234", who).json() == {"status": "not_found"}
    locked = ask(url, READY, "4444", who).json()
    assert locked["status"] == "locked" and 880 <= locked["retry_after_seconds"] <= 900
    assert ask(url, READY, "4444", sender()).json()["status"] == "found", "another sender is not locked"
    assert ask(url, OVERDUE, "7777", who).json()["status"] == "found", "another code is not locked"


def test_many_senders_failing_lock_the_code_for_everyone(url: str) -> None:
    code = "000.00.31.H26-260112-0002"  # demo: in_progress, phone ...2222
    for _ in range(20):  # one wrong guess each from 20 invented sender ids
        assert ask(url, code, "9999", sender()).json() == {"status": "not_found"}
    assert ask(url, code, "2222", sender()).json()["status"] == "locked", "rotating sender ids buys no more guesses"
    assert ask(url, OVERDUE, "7777", sender()).json()["status"] == "found", "other codes stay open"


def test_unknown_code_also_locks(url: str) -> None:
    who = sender()
    for _ in range(5):
        ask(url, "000.00.31.H26-991231-9998", "1111", who)
    assert ask(url, "000.00.31.H26-991231-9998", "1111", who).json()["status"] == "locked"


def test_without_token_counts_per_ip_and_wrong_token_is_401(url: str) -> None:
    for _ in range(5):
        assert ask(url, OVERDUE, "0000", token=False).json()["status"] == "not_found"
    assert ask(url, OVERDUE, "7777", sender=sender(), token=False).json()["status"] == "locked"
    assert ask(url, OVERDUE, "7777", sender()).json()["status"] == "found"
    r = httpx.post(f"{url}{LOOKUP}", json={"code": READY, "phone_last4": "4444"}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_rate_limit_429_with_retry_after(db: str, logdir: pathlib.Path) -> None:
    with api(db, logdir, "api-lookup-limit", DVC_LOOKUP_RATE_LIMIT="3") as base:
        who = sender()
        assert [ask(base, READY, "4444", who).status_code for _ in range(3)] == [200, 200, 200]
        limited = ask(base, READY, "4444", who)
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
        assert "thử lại" in limited.json()["detail"]
        assert ask(base, READY, "4444", sender()).status_code == 200, "the limit is per sender"


@pytest.fixture()
def redis_client() -> redis.Redis:
    """The local Redis (fails in CI when missing, skips on a bare developer machine)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        if in_ci():
            pytest.fail(f"Redis not reachable: {exc}")
        pytest.skip(f"Redis not reachable: {exc}")
    return client


def test_redis_limiter_counts_across_instances(redis_client: redis.Redis) -> None:
    prefix = f"dvc-test-{uuid.uuid4().hex}:"
    first, second = (RedisRateLimiter(redis_client, 2, 60, prefix) for _ in range(2))
    try:
        assert first.hit("ip:1") == 0 and second.hit("ip:1") == 0
        assert 0 < first.hit("ip:1") <= 60, "the second instance saw the first one's hits"
        assert second.hit("ip:2") == 0
    finally:
        redis_client.delete(*redis_client.keys(prefix + "*") or [prefix])


def test_api_uses_redis_when_configured(db: str, logdir: pathlib.Path, redis_client: redis.Redis) -> None:
    prefix = f"dvc-test-{uuid.uuid4().hex}:"
    env = {"DVC_LOOKUP_RATE_LIMIT": "2", "DVC_REDIS_URL": REDIS_URL, "DVC_REDIS_PREFIX": prefix}
    try:
        with api(db, logdir, "api-lookup-redis", **env) as base:
            who = sender()
            assert [ask(base, READY, "4444", who).status_code for _ in range(3)] == [200, 200, 429]
            assert redis_client.exists(f"{prefix}lookup:sender:{who}")
    finally:
        redis_client.delete(*redis_client.keys(prefix + "*") or [prefix])
