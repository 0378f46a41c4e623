"""Two of each service (Rasa, action server, API) in the production profile behind the repository's nginx, on
loopback: a conversation moves between instances with its context, and a killed instance loses no message."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import random
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from api.db import get_engine
from tests import deploy_stack
from tests.deploy_cluster import Cluster, cluster
from tests.test_production import REDIS_URL, redis_client  # noqa: F401  (fixture: Redis reachable or fail in CI)

pytestmark = pytest.mark.production
TODAY = dt.date.today()
APOLOGY = "xin lỗi"


@pytest.fixture(scope="module")
def two(pg_url: str, logdir: pathlib.Path, redis_client: Any) -> Iterator[Cluster]:  # noqa: F811
    """Two instances of everything, started once for the module."""
    if not deploy_stack.NGINX_BIN.exists():
        pytest.fail(f"{deploy_stack.NGINX_BIN} missing: run `make nginx`")
    with deploy_stack.nginx_prefix() as prefix, cluster(pg_url, REDIS_URL, logdir, prefix, instances=2) as running:
        yield running


def say(url: str, user: str, message: str, address: str = "127.0.0.1") -> tuple[int, str]:
    """One message to a REST webhook from a given loopback address: (status, the reply's text)."""
    transport = httpx.HTTPTransport(local_address=address, verify=False)
    with httpx.Client(transport=transport, timeout=30) as client:
        response = client.post(url, json={"sender": user, "message": message})
    body = response.json() if response.status_code == 200 else []
    return response.status_code, "\n".join(str(m.get("text", "")) for m in body)


def user_turns(c: Cluster, user: str) -> list[str]:
    """The user's messages as the shared tracker store holds them, in order."""
    with get_engine(c.pg_url).connect() as conn:
        rows = conn.execute(
            text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"), {"s": user}
        ).all()

    return [json.loads(r[0])["text"] for r in rows]


def seed_dossier(c: Cluster) -> str:
    """A dossier pushed through nginx's internal API listener, as the one-stop system would."""
    code = f"000.00.31.H26-{TODAY:%y%m%d}-{random.randint(1000, 9999)}"
    body = {"procedure_code": "3.000465", "status": "in_progress", "received_at": TODAY.isoformat(),
            "due_at": (TODAY + dt.timedelta(days=5)).isoformat(), "applicant_name": "Trần Thị Thử",
            "applicant_phone": "0987654321"}  # fmt: skip
    token = c.env["api"]["DVC_INTEGRATION_TOKEN"]
    url = f"http://{c.nginx.values['DVC_NGINX_API_INTERNAL_LISTEN']}/api/v1/dossiers/{code}"
    response = httpx.put(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code in (200, 201), response.text
    return code


def test_context_and_a_form_survive_alternating_instances(two: Cluster) -> None:
    a, b = (f"{r.url}/webhooks/rest/webhook" for r in two.rasa)
    user = f"web:{uuid.uuid4()}"
    assert "học lại" in say(a, user, "ho so xin hoc lai can chuan bi nhung gi a")[1].lower()
    assert "thời hạn" in say(b, user, "vậy bao lâu thì xong ạ")[1].lower(), "the procedure in focus moved with it"
    code = seed_dossier(two)
    assert "4 số cuối" in say(a, user, f"ma ho so cua em la {code}")[1]
    status, reply = say(b, user, "4321")
    assert status == 200 and code in reply and "đang được giải quyết" in reply, "the form continued on the other one"
    assert len(user_turns(two, user)) == 4


def test_nginx_balances_a_conversation_over_both_instances(two: Cluster) -> None:
    user = f"web:{uuid.uuid4()}"
    before = len(two.nginx.access_log())
    for message in ("chuyen truong cho con len lop 7 thi lam sao", "có mất phí không ạ", "nộp ở đâu vậy ạ"):
        status, reply = say(two.webhook, user, message)
        assert status == 200 and reply and APOLOGY not in reply.lower()
    served = {line.split("upstream=")[1].split()[0] for line in two.nginx.access_log()[before:] if "/webhooks/" in line}
    assert served == {r.url.removeprefix("http://") for r in two.rasa}
    assert len(user_turns(two, user)) == 3


def test_a_flood_from_one_address_is_limited_while_others_are_served(two: Cluster) -> None:
    codes: list[int] = []

    def flood() -> None:
        transport = httpx.HTTPTransport(local_address="127.0.0.2", verify=False)
        with httpx.Client(transport=transport, timeout=30) as client:
            for _ in range(80):  # a new conversation each time (one conversation's messages already queue on its lock)
                body = {"sender": f"web:{uuid.uuid4()}", "message": "a"}
                codes.append(client.post(two.webhook, json=body).status_code)

    flooders = [threading.Thread(target=flood) for _ in range(4)]  # 320 messages as fast as the bot answers
    for thread in flooders:
        thread.start()
    others = [say(two.webhook, f"web:{uuid.uuid4()}", "bang tot nghiep bi mat xin lai the nao", "127.0.0.3")
              for _ in range(3)]  # fmt: skip
    for thread in flooders:
        thread.join()
    assert codes.count(429) >= 150 and codes.count(200) >= 30, f"{codes.count(200)} served, {codes.count(429)} refused"
    assert all(status == 200 and "bản sao" in reply.lower() for status, reply in others)


def test_websocket_upgrade_reaches_socketio_through_nginx(two: Cluster) -> None:
    """socket.io's handshake, then the upgrade to a WebSocket (101) through nginx."""
    with httpx.Client(verify=False, timeout=10) as client:
        handshake = client.get(f"{two.nginx.url}/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert handshake.status_code == 200 and '"sid"' in handshake.text
        sid = handshake.text.split('"sid":"')[1].split('"')[0]
        key = "dGhlIHNhbXBsZSBub25jZQ=="
        headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": key}
        with client.stream("GET", f"{two.nginx.url}/socket.io/", params={"EIO": "4", "transport": "websocket", "sid": sid},
                           headers=headers) as upgraded:  # fmt: skip
            assert upgraded.status_code == 101


def conversation_survives(two: Cluster, crash: deploy_stack.Proc, first: list[str], after: list[str]) -> None:
    """Half a conversation through nginx, SIGKILL `crash`, the other half: every reply comes, every turn stored once."""
    user = f"web:{uuid.uuid4()}"
    for message in first:
        status, reply = say(two.webhook, user, message)
        assert status == 200 and reply
    deploy_stack.kill(crash)
    for message in after:
        start = time.perf_counter()
        status, reply = say(two.webhook, user, message)
        assert status == 200 and reply and APOLOGY not in reply.lower(), reply
        assert time.perf_counter() - start < 5
    assert user_turns(two, user) == first + after, "every user turn stored exactly once, in order"


def test_killing_an_action_server_mid_conversation_loses_nothing(two: Cluster) -> None:
    conversation_survives(two, two.actions[0], ["cap lai bang tot nghiep thpt", "can giay to gi a"],
                          ["lệ phí bao nhiêu ạ", "nộp online được không ạ"])  # fmt: skip


def test_killing_an_api_process_mid_conversation_loses_nothing(two: Cluster) -> None:
    conversation_survives(two, two.api[0], ["xin chuyen truong thcs", "thủ tục gồm những bước nào"],
                          ["mất bao lâu ạ", "nộp hồ sơ ở đâu ạ"])  # fmt: skip


def test_killing_a_rasa_instance_mid_conversation_loses_no_message(two: Cluster) -> None:
    conversation_survives(two, two.rasa[0], ["xac nhan hoc sinh dang hoc tai truong", "cần mang theo gì ạ"],
                          ["bao lâu thì có kết quả ạ", "có mất tiền không ạ", "cảm ơn em nhé"])  # fmt: skip
    assert two.rasa[0].proc.poll() is not None and two.rasa[1].proc.poll() is None
    assert os.path.exists(two.nginx.prefix / "nginx.pid")
