"""The full conversation on every adapter: fake platform ⇄ adapter (real HTTP) ⇄ real Rasa + actions + API."""

from __future__ import annotations

import asyncio

import pytest

from gateway.core.messages import load_messages
from tests.conftest import RasaServer
from tests.gateway.adapters import Adapter

pytestmark = pytest.mark.rasa
QUESTION = "cho hoi xin ban sao bang tot nghiep can giay to gi"
QUIET = 0.8  # seconds without a new message: the turn's replies are all in


@pytest.fixture(scope="module", autouse=True)
def warm(rasa: RasaServer) -> None:
    """One turn before the adapters' (a cold action server may miss the 5 s budget on a busy machine)."""
    for _ in range(3):
        if "chào" in str(rasa.say("warm-up-gateway", "/greet")).lower():
            return


async def settle(adapter: Adapter, chat: str, before: int) -> str:
    """Wait for the turn's replies (something new, then quiet); returns them joined."""
    await adapter.wait_for(lambda: len(adapter.texts(chat)) > before)
    count = -1
    while count != len(adapter.texts(chat)):
        count = len(adapter.texts(chat))
        await asyncio.sleep(QUIET)
    return "\n".join(adapter.texts(chat)[before:])


async def test_the_whole_conversation(adapter: Adapter, rasa: RasaServer) -> None:
    chat, texts = adapter.new_chat(), adapter.texts
    messages = load_messages()
    async with adapter.running(rasa.url):
        adapter.say(chat, "/start")
        assert "chào" in (await settle(adapter, chat, 0)).lower() and adapter.choices(chat)

        before = len(texts(chat))
        adapter.say(chat, QUESTION)
        assert "bản sao" in (await settle(adapter, chat, before)).lower() and adapter.choices(chat)

        before = len(texts(chat))
        adapter.press(chat, adapter.choices(chat)[-1])  # the last choice of the rating prompt: "no, thanks"
        after = await settle(adapter, chat, before)
        assert after.strip() and messages.rasa_down not in after and messages.button_expired not in after

        before = len(texts(chat))
        adapter.say(chat, "/tracuu")
        assert "mã hồ sơ" in (await settle(adapter, chat, before)).lower()

        before = len(texts(chat))
        adapter.say(chat, "/huy")
        cancelled = await settle(adapter, chat, before)
        assert cancelled.strip() and "mã hồ sơ" not in cancelled.lower()

        before = len(texts(chat))
        adapter.say(chat, "/hoc")
        assert messages.rasa_down not in await settle(adapter, chat, before) and adapter.choices(chat)
    assert all(len(t) <= adapter.text_limit for t in texts(chat))
