"""The Telegram gateway speaks to Rasa only through the token-protected gateway channel, with messages capped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gateway.core.messages import load_messages
from tests.conftest import RasaServer
from tests.gateway.fake_bot_api import FakeBotApi, serve_in_thread, text_update
from tests.gateway.harness import gateway_settings, running_gateway, stand_in_rasa
from textnorm.channels import MAX_MESSAGE_CHARS

LONG = ("cho em hỏi chuyển trường cần giấy tờ gì ạ " * 200)[:4096]  # the longest text Telegram delivers
received: list[tuple[str, str]] = []


def reply(sender: str, message: str) -> list[dict[str, Any]]:
    """The stand-in Rasa notes what reached it."""
    received.append((sender, message))
    return [{"recipient_id": sender, "text": "Đã nhận."}]


@pytest.fixture(scope="module")
def rasa_stub() -> Iterator[str]:
    with serve_in_thread(stand_in_rasa(reply)) as url:
        yield url


async def test_long_text_is_capped_before_it_leaves_the_gateway(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa_stub)):
        fake_bot.inject(text_update(chat_id, LONG))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
    message = next(m for s, m in received if s == f"telegram:{chat_id}")
    assert len(message) == MAX_MESSAGE_CHARS + 1 and message.endswith("…") and LONG.startswith(message[:-1])


async def test_a_wrong_gateway_token_gets_the_apology(fake_bot: FakeBotApi, rasa_stub: str, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa_stub, dvc_gateway_token="wrong")):
        fake_bot.inject(text_update(chat_id, "xin chào"))
        await fake_bot.wait_for(lambda: len(fake_bot.sent(chat_id)) >= 1)
    assert fake_bot.sent(chat_id)[0]["text"] == load_messages().rasa_down
    assert not [m for s, m in received if s == f"telegram:{chat_id}"]


@pytest.mark.rasa
async def test_long_text_gets_the_polite_reply_from_the_real_bot(fake_bot: FakeBotApi, rasa: RasaServer, chat_id: int) -> None:
    async with running_gateway(gateway_settings(fake_bot.base_url, rasa.url)):
        fake_bot.inject(text_update(chat_id, LONG))
        await fake_bot.wait_for(lambda: any("ngắn gọn" in m["text"] for m in fake_bot.sent(chat_id)))
