"""Faults of the production profile behind nginx: the API down, PostgreSQL's connections cut (as a restart does), Redis
down. Each gets a polite reply, nothing crashes, nothing is stored twice, and the bot recovers on its own.

The machine's shared PostgreSQL and Redis are never stopped: the PostgreSQL test terminates the backends of its own
throw-away database, and Redis is a private redis-server on a free port."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest
import redis

from tests import deploy_stack, servers
from tests.conftest import unavailable
from tests.deploy_cluster import Cluster, cluster, warm_api
from tests.pg import PG_ADMIN

pytestmark = pytest.mark.production
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
QUESTION = "xin cap lai bang tot nghiep thpt bi mat"


class PrivateRedis:
    """A redis-server of this module's own on a free loopback port, to stop and start again."""

    def __init__(self) -> None:
        self.port = servers.free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait for PING."""
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=1).ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Kill it (no shutdown save: it has no data to keep)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    """The module's own Redis (Debian's redis-server must be installed; in CI it is)."""
    if not pathlib.Path(REDIS_SERVER).exists():
        unavailable("redis-server", FileNotFoundError(REDIS_SERVER))
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def one(pg_url: str, logdir: pathlib.Path, private_redis: PrivateRedis) -> Iterator[Cluster]:
    """One of each service behind nginx, on the private Redis."""
    with deploy_stack.nginx_prefix() as prefix, cluster(pg_url, private_redis.url, logdir, prefix, instances=1) as c:
        yield c


def say(c: Cluster, user: str, message: str) -> str:
    """One message through nginx; the reply's text (the HTTP status must be 200: no crash reaches the user)."""
    response = httpx.post(c.webhook, json={"sender": user, "message": message}, verify=False, timeout=30)
    assert response.status_code == 200, response.text
    return "\n".join(str(m.get("text", "")) for m in response.json())


def user_turns(c: Cluster, user: str) -> list[str]:
    """The user's messages in the tracker store, in order."""
    url = c.pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url) as conn:  # a new connection: the test's own pool may be cut too
        rows = conn.execute("SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", (user,)).fetchall()
    return [json.loads(r[0])["text"] for r in rows]


def answered(reply: str) -> bool:
    """A real answer about the question (not an apology)."""
    return "bản sao" in reply.lower() and "xin lỗi" not in reply.lower()


def test_api_down_gets_a_polite_reply_then_recovers(one: Cluster) -> None:
    user = f"web:{uuid.uuid4()}"
    api = one.api[0]
    deploy_stack.kill(api)
    try:
        start = time.perf_counter()
        reply = say(one, user, QUESTION)
        assert time.perf_counter() - start < 7
        assert "tạm gián đoạn" in reply and "xin lỗi" in reply.lower()
    finally:
        one.api[0] = one.start_api("faults-api-again", api.port)
        deploy_stack.wait_all([one.api[0]], "/health", 90)
        warm_api(one.api[0].url)
    assert answered(say(one, user, QUESTION)), "the same conversation goes on once the API is back"


def terminate_backends(c: Cluster) -> int:
    """Cut every connection to the module's database, as a PostgreSQL restart does."""
    database = c.pg_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


def test_postgresql_connections_cut_get_a_polite_reply_and_no_lost_turn(one: Cluster) -> None:
    user = f"web:{uuid.uuid4()}"
    assert answered(say(one, user, QUESTION))
    assert terminate_backends(one) >= 2, "Rasa's tracker store and the API had connections open"
    follow_ups = ["cần những giấy tờ gì ạ", "lệ phí bao nhiêu ạ", "nộp ở đâu ạ", "bao lâu thì xong ạ"]
    replies = [say(one, user, message) for message in follow_ups]
    assert all(r.strip() for r in replies), "every message got a reply"
    # Each API worker sees at checkout that the server closed its pooled connections and takes fresh ones: no
    # apology at all, and the procedure in focus is never lost (Rasa reads the conversation again).
    assert not any("tạm gián đoạn" in r for r in replies), replies
    assert "thủ tục nào" not in " ".join(replies), "the follow-ups kept the procedure in focus"
    assert user_turns(one, user) == [QUESTION, *follow_ups], "every turn stored once, in order"
    codes = [
        httpx.get(f"{one.api[0].url}/api/v1/resolve", params={"q": QUESTION}, timeout=30).status_code for _ in range(24)
    ]  # new connections reach the workers in no set order: every one answers, none fails on a dead connection
    assert codes == [200] * 24, codes


def test_redis_down_is_said_plainly_and_nothing_is_stored_unlocked(one: Cluster, private_redis: PrivateRedis) -> None:
    user = f"web:{uuid.uuid4()}"
    assert answered(say(one, user, QUESTION))
    private_redis.stop()
    try:
        start = time.perf_counter()
        reply = say(one, user, "cần những giấy tờ gì ạ")
        assert time.perf_counter() - start < 7
        assert "xin lỗi" in reply.lower(), f"the user is told, not left with silence or a guess: {reply!r}"
        assert user_turns(one, user) == [QUESTION], "no turn handled without the conversation's lock"
    finally:
        private_redis.start()
    assert "xin lỗi" not in say(one, user, "lệ phí bao nhiêu ạ").lower(), "recovered with Redis back"
    assert user_turns(one, user) == [QUESTION, "lệ phí bao nhiêu ạ"]
