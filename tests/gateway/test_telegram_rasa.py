"""The Telegram gateway end to end: fake Bot API ⇄ python-telegram-bot (real HTTP) ⇄ real Rasa + actions + API."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from gateway.core.messages import load_messages
from tests.conftest import RasaServer
from tests.gateway.fake_bot_api import FakeBotApi, button_update, text_update
from tests.gateway.harness import TcpSwitch, gateway_settings, running_gateway

pytestmark = pytest.mark.rasa


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline buttons of one sent message, row by row flattened."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def all_text(fake: FakeBotApi, chat_id: int, start: int = 0) -> str:
    return "\n".join(m["text"] for m in fake.sent(chat_id)[start:])


def has_keyboard_after(fake: FakeBotApi, chat_id: int, start: int) -> bool:
    return any(buttons(m) for m in fake.sent(chat_id)[start:])


async def test_start_greets_with_a_menu(fake_bot: FakeBotApi, rasa: RasaServer, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa.url)):
        fake_bot.inject(text_update(chat_id, "/start"))
        await fake_bot.wait_for(lambda: has_keyboard_after(fake_bot, chat_id, 0))
    assert "chào" in all_text(fake_bot, chat_id).lower()
    assert all(len(b["callback_data"].encode()) <= 64 for m in fake_bot.sent(chat_id) for b in buttons(m) if "callback_data" in b)
    assert fake_bot.sent(chat_id, "sendChatAction")  # typing indicator while Rasa worked
    assert "setMyCommands" in fake_bot.methods()


async def test_question_without_diacritics_then_a_button(fake_bot: FakeBotApi, rasa: RasaServer, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa.url)):
        fake_bot.inject(text_update(chat_id, "cho hoi xin ban sao bang tot nghiep can giay to gi"))
        await fake_bot.wait_for(lambda: has_keyboard_after(fake_bot, chat_id, 0))
        answer = all_text(fake_bot, chat_id)
        keyboard = next(buttons(m) for m in fake_bot.sent(chat_id) if buttons(m))
        pressed = next(b for b in keyboard if "callback_data" in b)
        before = len(fake_bot.sent(chat_id))
        fake_bot.inject(button_update(chat_id, pressed["callback_data"]))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) > before)
    assert "bản sao" in answer.lower()
    assert "answerCallbackQuery" in fake_bot.methods()
    after = all_text(fake_bot, chat_id, before)
    assert after.strip() and load_messages().rasa_down not in after and load_messages().button_expired not in after


async def test_tracuu_asks_for_the_code_and_huy_cancels(fake_bot: FakeBotApi, rasa: RasaServer, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa.url)):
        fake_bot.inject(text_update(chat_id, "/tracuu"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
        asked = all_text(fake_bot, chat_id)
        before = len(fake_bot.sent(chat_id))
        fake_bot.inject(text_update(chat_id, "/huy"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) > before)
        cancelled = all_text(fake_bot, chat_id, before)
        before = len(fake_bot.sent(chat_id))
        fake_bot.inject(text_update(chat_id, "cho hoi xin ban sao bang tot nghiep can giay to gi"))
        await fake_bot.wait_for(lambda: has_keyboard_after(fake_bot, chat_id, before))
    assert "mã hồ sơ" in asked.lower()
    assert "mã hồ sơ" not in cancelled.lower() and cancelled.strip()
    assert "bản sao" in all_text(fake_bot, chat_id, before).lower()  # the form is gone: questions work again


async def test_hoc_starts_classroom_mode(fake_bot: FakeBotApi, rasa: RasaServer, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa.url)):
        fake_bot.inject(text_update(chat_id, "/hoc"))
        await fake_bot.wait_for(lambda: has_keyboard_after(fake_bot, chat_id, 0))
    assert load_messages().rasa_down not in all_text(fake_bot, chat_id)


async def test_rasa_down_is_polite_and_the_gateway_recovers(fake_bot: FakeBotApi, rasa: RasaServer, chat_id: int) -> None:
    switch = TcpSwitch(urlsplit(rasa.url).port or 5005)  # starts switched off: Rasa unreachable
    settings = gateway_settings(fake_bot.base_url, switch.url, telegram_rasa_timeout_seconds=10)
    async with running_gateway(settings):
        fake_bot.inject(text_update(chat_id, "/start"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
        assert fake_bot.sent(chat_id)[0]["text"] == load_messages().rasa_down
        await switch.on()
        try:
            fake_bot.inject(text_update(chat_id, "/start"))
            await fake_bot.wait_for(lambda: has_keyboard_after(fake_bot, chat_id, 1))
        finally:
            await switch.off()
    assert "chào" in all_text(fake_bot, chat_id, 1).lower()
