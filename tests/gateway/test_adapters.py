"""The behaviour every gateway adapter shares, run once per adapter (Telegram, Zalo) over real HTTP against its fake
platform, with a stand-in Rasa at the outer edge: long answers, buttons, markup, floods, stickers, Rasa down and back."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.core.messages import load_messages
from tests.gateway.adapters import Adapter
from tests.gateway.fake_bot_api import serve_in_thread
from tests.gateway.harness import TcpSwitch, stand_in_rasa
from textnorm.channels import MAX_MESSAGE_CHARS

LONG_PAYLOAD = '/ask_documents{"procedure_slug": "cap_ban_sao_van_bang_chung_chi_tu_so_goc_cho_hoc_sinh"}'
MARKUP = '<b>Đậm</b> & <a href="http://x">link</a> <img src=x onerror=alert(1)>'
received: list[tuple[str, str]] = []


def reply(sender: str, message: str) -> list[dict[str, Any]]:
    """Markup for 'html', a huge answer for 'dai', otherwise an echo with two buttons (one with a long payload)."""
    received.append((sender, message))
    if message == "html":
        return [{"recipient_id": sender, "text": MARKUP}]
    if message == "dai":
        return [{"recipient_id": sender, "text": "\n".join(f"Bước {i}: chuẩn bị giấy tờ theo hướng dẫn." for i in range(400))}]
    buttons = [{"title": "Giấy tờ", "payload": LONG_PAYLOAD}, {"title": "Lệ phí", "payload": "/ask_fee"}]
    return [{"recipient_id": sender, "text": f"Đã nhận: {message[:40]}", "buttons": buttons}]


@pytest.fixture(scope="module")
def rasa_stub() -> Iterator[str]:
    with serve_in_thread(stand_in_rasa(reply)) as url:
        yield url


def got(adapter: Adapter, chat: str, message: str) -> bool:
    return (f"{adapter.channel}:{chat}", message) in received


async def test_markup_is_shown_as_text_and_the_sender_names_the_channel(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    async with adapter.running(rasa_stub):
        adapter.say(chat, "html")
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1)
    assert adapter.texts(chat)[0] == MARKUP and got(adapter, chat, "html")


async def test_long_answers_are_split_at_lines_under_the_channel_limit(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    async with adapter.running(rasa_stub):
        adapter.say(chat, "dai")
        await adapter.wait_for(lambda: sum(t.count("\n") + 1 for t in adapter.texts(chat)) >= 400)
    texts = adapter.texts(chat)
    assert len(texts) >= 2 and all(len(t) <= adapter.text_limit for t in texts)
    assert all(line.startswith("Bước ") for t in texts for line in t.splitlines())


async def test_long_messages_are_capped_before_they_reach_rasa(adapter: Adapter, rasa_stub: str) -> None:
    chat, long = adapter.new_chat(), ("cho em hỏi chuyển trường cần giấy tờ gì ạ " * 60)[:1900]
    async with adapter.running(rasa_stub):
        adapter.say(chat, long)
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1)
    message = next(m for s, m in received if s == f"{adapter.channel}:{chat}")
    assert len(message) == MAX_MESSAGE_CHARS + 1 and message.endswith("…")


async def test_buttons_round_trip_their_payloads(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    async with adapter.running(rasa_stub):
        adapter.say(chat, "xin chao")
        await adapter.wait_for(lambda: adapter.choices(chat) == ["Giấy tờ", "Lệ phí"])
        adapter.press(chat, "Giấy tờ")
        await adapter.wait_for(lambda: got(adapter, chat, LONG_PAYLOAD))
        adapter.press(chat, "Lệ phí")
        await adapter.wait_for(lambda: got(adapter, chat, "/ask_fee"))
    assert "Đã nhận: xin chao" in adapter.texts(chat)[0]


async def test_commands_are_the_same_on_every_channel(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    async with adapter.running(rasa_stub):
        for command in ("/start", "/help", "/tracuu", "/huy", "/hoc"):
            adapter.say(chat, command)
        await adapter.wait_for(lambda: got(adapter, chat, "/classroom"))
    mine = [m for s, m in received if s == f"{adapter.channel}:{chat}"]
    assert mine == ["/greet", "/help", "/lookup_dossier", "/cancel", "/classroom"]  # in order, per chat


async def test_flood_gets_one_polite_warning(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    async with adapter.running(rasa_stub, rate_limit=3):
        for i in range(6):
            adapter.say(chat, f"tin {i}")
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 4)
        await asyncio.sleep(0.5)  # the other messages must not be answered late either
    texts = adapter.texts(chat)
    assert texts.count(load_messages().rate_limited) == 1
    assert len([t for t in texts if t.startswith("Đã nhận")]) == 3


async def test_a_sticker_gets_a_polite_text_only_note(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    async with adapter.running(rasa_stub):
        adapter.sticker(chat)
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1)
    assert adapter.texts(chat) == [load_messages().not_text]


async def test_rasa_down_is_polite_and_the_gateway_recovers(adapter: Adapter, rasa_stub: str) -> None:
    chat = adapter.new_chat()
    switch = TcpSwitch(int(rasa_stub.rsplit(":", 1)[1]))  # starts switched off: Rasa unreachable
    async with adapter.running(switch.url, rasa_timeout=5):
        adapter.say(chat, "mot")
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1)
        assert adapter.texts(chat)[0] == load_messages().rasa_down
        await switch.on()
        try:
            adapter.say(chat, "hai")
            await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 2)
        finally:
            await switch.off()
    assert "Đã nhận: hai" in adapter.texts(chat)[1]
