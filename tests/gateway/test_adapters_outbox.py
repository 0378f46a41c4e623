"""Pushes on every adapter: the real API's outbox → the adapter's poller → the subscribed chat (status changes, staff
answers), a failing platform retried, the API down then back."""

from __future__ import annotations

import asyncio
import pathlib
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from api.catalogue.loader import Catalogue
from tests.api import records_servers as rs
from tests.api.dossier_servers import INTEGRATION, dossier, integ
from tests.gateway.adapters import Adapter
from tests.gateway.harness import TcpSwitch

NO_RASA = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def outbox_api(catalogue: Catalogue, logdir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real API (integration and internal tokens, a staff account) on its own database."""
    db = rs.fresh_db(tmp_path_factory.mktemp("adapters-outbox"), catalogue)
    with rs.api(db, logdir, "api-adapters-outbox", DVC_INTEGRATION_TOKEN=INTEGRATION) as url:
        yield url


def subscribe(url: str, code: str, recipient: str) -> None:
    """A dossier received, and the chat subscribed to it as the lookup form does."""
    assert httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier(), headers=integ()).status_code in (200, 201)
    body = {"code": code, "phone_last4": "5678", "recipient": recipient}
    assert httpx.post(f"{url}/api/v1/dossiers/subscriptions", json=body, headers=rs.internal()).status_code == 201


def move(url: str, code: str, status: str) -> None:
    httpx.put(f"{url}/api/v1/dossiers/{code}", json=dossier(status), headers=integ()).raise_for_status()


def pending(url: str, channel: str, recipient: str) -> list[dict[str, object]]:
    r = httpx.get(f"{url}/api/v1/notifications", params={"channel": channel}, headers=rs.internal())
    r.raise_for_status()
    return [n for n in r.json() if n["recipient"] == recipient]


def code_for(adapter: Adapter, n: int) -> str:
    return f"000.00.31.H26-2601{12 + ['telegram', 'zalo'].index(adapter.channel)}-07{n:02d}"


async def test_status_change_is_pushed_once(adapter: Adapter, outbox_api: str) -> None:
    chat, code = adapter.new_chat(), code_for(adapter, 1)
    recipient = f"{adapter.channel}:{chat}"
    subscribe(outbox_api, code, recipient)
    async with adapter.running(NO_RASA, dvc_api_url=outbox_api, dvc_internal_token=rs.INTERNAL):
        move(outbox_api, code, "result_ready")
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1, timeout=20)
        await adapter.wait_for(lambda: not pending(outbox_api, adapter.channel, recipient), timeout=10)
        await asyncio.sleep(0.8)  # a few more rounds: acknowledged, so never sent again
    [text] = adapter.texts(chat)
    assert code in text and "5678" not in text and "Bí Mật" not in text


async def test_staff_answer_is_delivered(adapter: Adapter, outbox_api: str) -> None:
    chat = adapter.new_chat()
    question = {"sender": f"{adapter.channel}:{chat}", "question": "Cho em hỏi hồ sơ chuyển trường nộp ở đâu ạ"}
    created = httpx.post(f"{outbox_api}/api/v1/tickets", json=question, headers=rs.internal())
    assert created.status_code == 201
    code = created.json()["ticket"]
    staff = rs.login(outbox_api, rs.STAFF, rs.PASSWORD)
    page = staff.get("/admin/tickets")
    ticket_id = int(page.text.split(f'id="{code}"')[1].split("/admin/tickets/")[1].split("/")[0])
    answer = {"answer": "Dạ, anh/chị nộp tại bộ phận một cửa của trường mới.", "csrf_token": rs.csrf_in(page.text)}
    assert staff.post(f"/admin/tickets/{ticket_id}/answer", data=answer).status_code == 303
    staff.close()
    async with adapter.running(NO_RASA, dvc_api_url=outbox_api, dvc_internal_token=rs.INTERNAL):
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1, timeout=20)
    [text] = adapter.texts(chat)
    assert code in text and "bộ phận một cửa của trường mới" in text


async def test_a_failed_send_is_retried(adapter: Adapter, outbox_api: str) -> None:
    chat, code = adapter.new_chat(), code_for(adapter, 2)
    recipient = f"{adapter.channel}:{chat}"
    subscribe(outbox_api, code, recipient)
    adapter.fail_sends(chat, True)
    try:
        async with adapter.running(NO_RASA, dvc_api_url=outbox_api, dvc_internal_token=rs.INTERNAL):
            move(outbox_api, code, "in_progress")
            await asyncio.sleep(1.5)  # several failed rounds
            assert len(pending(outbox_api, adapter.channel, recipient)) == 1  # not acknowledged while the platform fails
            adapter.fail_sends(chat, False)
            await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1, timeout=20)
            await adapter.wait_for(lambda: not pending(outbox_api, adapter.channel, recipient), timeout=10)
    finally:
        adapter.fail_sends(chat, False)
    assert code in adapter.texts(chat)[0]


async def test_api_down_then_back(adapter: Adapter, outbox_api: str) -> None:
    chat, code = adapter.new_chat(), code_for(adapter, 3)
    subscribe(outbox_api, code, f"{adapter.channel}:{chat}")
    move(outbox_api, code, "in_progress")
    switch = TcpSwitch(urlsplit(outbox_api).port or 80)  # starts off: the API unreachable
    async with adapter.running(NO_RASA, dvc_api_url=switch.url, dvc_internal_token=rs.INTERNAL):
        await asyncio.sleep(1.0)  # several failed rounds against a closed port
        assert adapter.texts(chat) == []
        await switch.on()
        try:
            await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1, timeout=20)
        finally:
            await switch.off()
    assert code in adapter.texts(chat)[0]


async def test_slow_down_answers_are_respected(adapter: Adapter, outbox_api: str) -> None:
    chats = [adapter.new_chat() for _ in range(3)]
    codes = [code_for(adapter, 10 + n) for n in range(3)]
    for chat, code in zip(chats, codes, strict=True):
        subscribe(outbox_api, code, f"{adapter.channel}:{chat}")
    adapter.throttle(1)  # the platform's next answer: 429, retry after 1 s
    async with adapter.running(NO_RASA, dvc_api_url=outbox_api, dvc_internal_token=rs.INTERNAL, outbox_interval=0.2):
        for code in codes:
            move(outbox_api, code, "result_ready")
        started = time.monotonic()
        await adapter.wait_for(lambda: all(adapter.texts(c) for c in chats), timeout=20)
        waited = time.monotonic() - started
    assert waited >= 1.0  # nothing more was sent before the platform's retry_after
    assert [len(adapter.texts(c)) for c in chats] == [1, 1, 1]
