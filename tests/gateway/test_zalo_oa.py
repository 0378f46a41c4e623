"""A Zalo Official Account plugs into the same transport: OAuth refresh (single-use refresh tokens saved), the OA's
answers as the core's outcomes, webhook events as Bot Platform updates, and their signature."""

from __future__ import annotations

import hashlib
import json
import pathlib
import stat
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.core.outbox import RateLimited, Undeliverable
from gateway.core.rendering import Button, NumberedMenus, Reply
from gateway.zalo.oa import OaTokens, ZaloOaApi, oa_update, verify_signature
from gateway.zalo.transport import ZaloTransport
from tests.gateway.fake_bot_api import serve_in_thread

SECRET = "app-secret-" + "x" * 8


class FakeOa:
    """Zalo's OAuth and OA endpoints: tokens rotate on refresh; `errors` are answered to the next sends, in order."""

    def __init__(self) -> None:
        self.refreshes: list[dict[str, str]] = []
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[int] = []
        self.generation = 0

    async def oauth(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        if request.headers.get("secret_key") != SECRET or form.get("refresh_token") != f"refresh-{self.generation}":
            return JSONResponse({"error": -14014, "error_name": "Invalid refresh token"})
        self.refreshes.append({k: str(v) for k, v in form.items()})
        self.generation += 1
        return JSONResponse(
            {"access_token": f"access-{self.generation}", "refresh_token": f"refresh-{self.generation}", "expires_in": "90000"}
        )

    async def send(self, request: Request) -> JSONResponse:
        token = request.headers.get("access_token", "")
        self.sent.append((token, await request.json()))
        if token != f"access-{self.generation}":
            return JSONResponse({"error": -216, "message": "Access token is invalid"})
        if self.errors:
            return JSONResponse({"error": self.errors.pop(0), "message": "refused"})
        return JSONResponse({"error": 0, "message": "Success", "data": {"message_id": "m1"}})


@pytest.fixture()
def fake_oa() -> Iterator[tuple[FakeOa, str]]:
    fake = FakeOa()
    app = Starlette(routes=[Route("/oauth", fake.oauth, methods=["POST"]), Route("/oa/message/cs", fake.send, methods=["POST"])])
    with serve_in_thread(app) as url:
        yield fake, url


def tokens(tmp_path: pathlib.Path, url: str, expires_at: float) -> OaTokens:
    store = tmp_path / "zalo-oa.json"
    store.write_text(json.dumps({"access_token": "access-0", "refresh_token": "refresh-0", "expires_at": expires_at}))
    return OaTokens(store, "app-1", SECRET, oauth_url=f"{url}/oauth")


async def test_an_expired_token_is_refreshed_and_the_new_pair_saved(fake_oa: tuple[FakeOa, str], tmp_path: pathlib.Path) -> None:
    fake, url = fake_oa
    api = ZaloOaApi(tokens(tmp_path, url, expires_at=time.time() - 1), api_url=f"{url}/oa")
    await api.send_message("user-1", "Hồ sơ của anh/chị đã có kết quả.")
    await api.close()
    assert fake.refreshes == [{"refresh_token": "refresh-0", "app_id": "app-1", "grant_type": "refresh_token"}]
    assert fake.sent[-1] == (
        "access-1",
        {"recipient": {"user_id": "user-1"}, "message": {"text": "Hồ sơ của anh/chị đã có kết quả."}},
    )
    store = tmp_path / "zalo-oa.json"
    assert json.loads(store.read_text())["refresh_token"] == "refresh-1"  # the single-use token is not reused
    assert stat.S_IMODE(store.stat().st_mode) == 0o600


async def test_a_refused_token_is_refreshed_once_then_the_outcomes(fake_oa: tuple[FakeOa, str], tmp_path: pathlib.Path) -> None:
    fake, url = fake_oa
    store = tmp_path / "zalo-oa.json"
    store.write_text(json.dumps({"access_token": "access-0", "refresh_token": "refresh-1", "expires_at": time.time() + 3600}))
    fake.generation = 1  # the stored access token looks valid but was revoked
    api = ZaloOaApi(OaTokens(store, "app-1", SECRET, oauth_url=f"{url}/oauth"), api_url=f"{url}/oa")
    await api.send_message("user-2", "xin chào")
    assert [token for token, _ in fake.sent] == ["access-0", "access-2"]  # one refresh, one retry
    fake.errors = [-213]
    with pytest.raises(Undeliverable):
        await api.send_message("user-3", "x")
    fake.errors = [-32]
    with pytest.raises(RateLimited):
        await api.send_message("user-3", "x")
    await api.close()


async def test_the_transport_speaks_through_an_oa(fake_oa: tuple[FakeOa, str], tmp_path: pathlib.Path) -> None:
    fake, url = fake_oa
    api = ZaloOaApi(tokens(tmp_path, url, expires_at=time.time() - 1), api_url=f"{url}/oa")
    transport = ZaloTransport(api, NumberedMenus(), "Gõ số:", text_limit=2000)
    await transport.send("user-4", Reply("Anh/chị cần gì ạ?", ((Button("Lệ phí", "/ask_fee"),),)))
    await transport.typing("user-4")  # no typing on an OA: nothing sent, nothing raised
    await api.close()
    assert [m["message"]["text"] for _, m in fake.sent] == ["Anh/chị cần gì ạ?\n\nGõ số:\n1. Lệ phí"]


def test_oa_events_become_bot_updates_and_their_signature_is_checked() -> None:
    text = {"event_name": "user_send_text", "sender": {"id": "u9"}, "message": {"text": "tra cứu hồ sơ"}, "timestamp": "1"}
    assert oa_update(text) == {
        "event_name": "message.text.received",
        "message": {"chat": {"id": "u9", "chat_type": "PRIVATE"}, "from": {"id": "u9"}, "text": "tra cứu hồ sơ"},
    }
    sticker = oa_update({"event_name": "user_send_sticker", "sender": {"id": "u9"}, "message": {}})
    assert sticker is not None and sticker["event_name"] == "message.unsupported.received"
    assert oa_update({"event_name": "follow", "follower": {"id": "u9"}}) is None
    body = json.dumps(text).encode()
    mac = hashlib.sha256(b"app-1" + body + b"1700000000" + b"oa-secret").hexdigest()
    assert verify_signature("app-1", body, "1700000000", "oa-secret", f"mac={mac}")
    assert not verify_signature("app-1", body + b" ", "1700000000", "oa-secret", f"mac={mac}")
