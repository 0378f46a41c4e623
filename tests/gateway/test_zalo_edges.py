"""What only the Zalo adapter does: the webhook's secret, the entry point without a token, the Bot API's answers
(408 empty poll, 429 slow down, 403 blocked) as the core's outcomes, and a menu too long for one message."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from gateway.core.outbox import RateLimited, Undeliverable
from gateway.core.rendering import Button, NumberedMenus, Reply
from gateway.zalo.app import ZaloGateway
from gateway.zalo.bot_api import SECRET_HEADER, ZaloBotApi
from gateway.zalo.transport import ZaloTransport
from tests import servers
from tests.gateway.adapters import ZaloAdapter
from tests.gateway.fake_zalo_api import TOKEN, FakeZaloApi, running_fake_zalo_api, zalo_text


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeZaloApi]:
    with running_fake_zalo_api() as running:
        yield running


def test_webhook_checks_the_secret(fake: FakeZaloApi) -> None:
    settings = ZaloAdapter(fake).settings("http://127.0.0.1:9", zalo_webhook_secret="s3cret-value-zalo")
    gateway = ZaloGateway(settings)
    handled: list[dict[str, Any]] = []
    gateway.dispatch = handled.append  # type: ignore[method-assign,assignment]
    client = TestClient(gateway.webhook("/zalo"))
    body = zalo_text("abc123", "xin chao")
    assert client.post("/zalo", json=body).status_code == 403
    assert client.post("/zalo", json=body, headers={SECRET_HEADER: "wrong"}).status_code == 403
    assert not handled
    assert client.post("/zalo", json={"nothing": 1}, headers={SECRET_HEADER: "s3cret-value-zalo"}).status_code == 400
    assert client.post("/zalo", json=body, headers={SECRET_HEADER: "s3cret-value-zalo"}).status_code == 200
    assert handled == [body]


def test_webhook_without_a_secret_accepts_nothing(fake: FakeZaloApi) -> None:
    gateway = ZaloGateway(ZaloAdapter(fake).settings("http://127.0.0.1:9"))
    assert (
        TestClient(gateway.webhook("/zalo")).post("/zalo", json=zalo_text("a", "b"), headers={SECRET_HEADER: ""}).status_code
        == 403
    )


def test_entry_point_without_a_token_prints_one_line() -> None:
    env = {k: v for k, v in servers.base_env().items() if k != "ZALO_BOT_TOKEN"}
    done = subprocess.run([sys.executable, "-m", "gateway.zalo"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip().splitlines() == [
        "Zalo gateway not started: set ZALO_BOT_TOKEN to enable it."
    ]


async def test_bot_api_answers_become_the_core_outcomes(fake: FakeZaloApi) -> None:
    api = ZaloBotApi(fake.base_url, TOKEN)
    try:
        assert await api.get_updates(timeout=0) == []  # 408: the poll ended empty
        fake.inject(zalo_text("u1", "chao"))
        [update] = await api.get_updates(timeout=1)
        assert update["message"]["text"] == "chao"
        fake.throttle = 1
        with pytest.raises(RateLimited) as slow:
            await api.send_message("u1", "x")
        assert slow.value.retry_after == 1.0
        fake.blocked.add("u2")
        with pytest.raises(Undeliverable):
            await api.send_message("u2", "x")
        await api.send_message("u1", "đã nhận")
        assert fake.sent("u1")[-1]["text"] == "đã nhận"
    finally:
        fake.throttle = 0
        await api.close()
    wrong = ZaloBotApi(fake.base_url, "0:wrong")
    with pytest.raises(Exception, match="401"):
        await wrong.send_message("u1", "x")
    await wrong.close()


async def test_a_menu_too_long_for_one_message_follows_the_text(fake: FakeZaloApi) -> None:
    api = ZaloBotApi(fake.base_url, TOKEN)
    transport = ZaloTransport(api, NumberedMenus(), "Gõ số:", text_limit=200)
    rows = ((Button("Giấy tờ cần chuẩn bị", "/ask_documents"), Button("Lệ phí", "/ask_fee")),)
    await transport.send("u3", Reply("x" * 190, rows))
    await api.close()
    texts = [m["text"] for m in fake.sent("u3")]
    assert texts[0] == "x" * 190 and texts[1].splitlines() == ["Gõ số:", "1. Giấy tờ cần chuẩn bị", "2. Lệ phí"]
    assert transport.menus.pick("u3", "2") == "/ask_fee"
