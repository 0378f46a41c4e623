"""The gateway over real HTTP (python-telegram-bot → fake Bot API), with a stand-in Rasa at the outer edge.

These cover what the real bot cannot be made to say on demand: markup in a reply, very long answers,
payloads longer than 64 bytes, floods, and the webhook secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from telegram import Update

from gateway.core.messages import load_messages
from gateway.telegram.app import SECRET_HEADER, build_application, webhook_app
from tests.gateway.fake_bot_api import FakeBotApi, button_update, serve_in_thread, text_update
from tests.gateway.harness import gateway_settings, running_gateway, stand_in_rasa

LONG_PAYLOAD = '/ask_documents{"procedure_slug": "cap_ban_sao_van_bang_chung_chi_tu_so_goc_cho_hoc_sinh"}'
received: list[tuple[str, str]] = []


def reply(sender: str, message: str) -> list[dict[str, Any]]:
    """What the stand-in Rasa says: markup for 'html', a huge answer for 'dai', a long-payload button otherwise."""
    received.append((sender, message))
    if message == "html":
        return [{"recipient_id": sender, "text": '<b>Đậm</b> & <a href="http://x">link</a> <img src=x onerror=alert(1)>'}]
    if message == "dai":
        return [{"recipient_id": sender, "text": "\n".join(f"Bước {i}: chuẩn bị giấy tờ theo hướng dẫn." for i in range(400))}]
    return [{"recipient_id": sender, "text": f"Đã nhận: {message}", "buttons": [{"title": "Giấy tờ", "payload": LONG_PAYLOAD}]}]


@pytest.fixture(scope="module")
def rasa_stub() -> Iterator[str]:
    with serve_in_thread(stand_in_rasa(reply)) as url:
        yield url


async def test_markup_in_a_reply_is_sent_as_plain_text(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa_stub)):
        fake_bot.inject(text_update(chat_id, "html"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
    sent = fake_bot.sent(chat_id)[0]
    assert sent["text"] == '<b>Đậm</b> & <a href="http://x">link</a> <img src=x onerror=alert(1)>'
    assert "parse_mode" not in sent  # no parse mode: Telegram shows the characters, never markup
    assert ("telegram:" + str(chat_id), "html") in received
    assert fake_bot.sent(chat_id, "sendChatAction")[0]["action"] == "typing"


async def test_long_answer_is_split_at_lines(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa_stub)):
        fake_bot.inject(text_update(chat_id, "dai"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 2)
    texts = [m["text"] for m in fake_bot.sent(chat_id)]
    assert all(len(t) <= 4096 for t in texts)
    assert all(t.startswith("Bước ") for t in texts)
    assert sum(t.count("\n") + 1 for t in texts) == 400


async def test_long_payload_button_round_trip(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa_stub)):
        fake_bot.inject(text_update(chat_id, "xin chao"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
        button = fake_bot.sent(chat_id)[0]["reply_markup"]["inline_keyboard"][0][0]
        assert len(button["callback_data"].encode()) <= 64
        fake_bot.inject(button_update(chat_id, button["callback_data"]))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 2)
        fake_bot.inject(button_update(chat_id, "k:doesnotexist"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 3)
    assert (f"telegram:{chat_id}", LONG_PAYLOAD) in received
    assert len(fake_bot.sent(chat_id, "answerCallbackQuery")) == 0  # answerCallbackQuery has no chat_id
    assert "answerCallbackQuery" in fake_bot.methods()
    assert fake_bot.sent(chat_id)[2]["text"] == load_messages().button_expired


async def test_flood_gets_one_polite_warning(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    settings = gateway_settings(fake_bot.base_url, rasa_stub, telegram_rate_limit_per_minute=3)
    async with running_gateway(settings):
        for i in range(6):
            fake_bot.inject(text_update(chat_id, f"tin {i}"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 4)
        await asyncio.sleep(0.5)  # the other messages must not be answered late either
    texts = [m["text"] for m in fake_bot.sent(chat_id)]
    assert texts.count(load_messages().rate_limited) == 1
    assert len([t for t in texts if t.startswith("Đã nhận")]) == 3


async def test_sticker_gets_a_polite_text_only_message(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    update = text_update(chat_id, "x")
    del update["message"]["text"]
    sticker = {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "type": "regular"}
    update["message"]["sticker"] = {**sticker, "is_animated": False, "is_video": False}
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa_stub)):
        fake_bot.inject(update)
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
    assert fake_bot.sent(chat_id)[0]["text"] == load_messages().not_text


def test_webhook_checks_the_secret_token(fake_bot: FakeBotApi) -> None:
    app = build_application(gateway_settings(fake_bot.base_url, "http://127.0.0.1:9"))
    client = TestClient(webhook_app(app, "s3cret-value", "/tg"))
    body = {"update_id": 7, **text_update(5, "xin chao")}
    assert client.post("/tg", json=body).status_code == 403
    assert client.post("/tg", json=body, headers={SECRET_HEADER: "wrong"}).status_code == 403
    assert app.update_queue.empty()
    assert client.post("/tg", json=body, headers={SECRET_HEADER: "s3cret-value"}).status_code == 200
    queued = app.update_queue.get_nowait()
    assert isinstance(queued, Update) and queued.effective_message is not None
    assert queued.effective_message.text == "xin chao"
