"""A practice dossier on every chat adapter (fake Telegram / Zalo platform ⇄ adapter ⇄ real Rasa, actions and API):
from /hoc to the practice code by buttons (inline keyboard or numbered list), the real lookup, then the status change
pushed to the chat by the adapter's outbox poller."""

from __future__ import annotations

import re

import pytest

from tests.conftest import INTERNAL_TOKEN, RasaServer
from tests.gateway.adapters import Adapter
from tests.gateway.test_adapters_rasa import settle, warm  # noqa: F401  (warm: the module's autouse fixture)

pytestmark = pytest.mark.rasa


async def test_a_practice_dossier_from_hoc_to_a_pushed_status_change(adapter: Adapter, rasa: RasaServer, api_url: str) -> None:
    chat, texts = adapter.new_chat(), adapter.texts

    async def press(title: str) -> str:
        before = len(texts(chat))
        adapter.press(chat, title)
        return await settle(adapter, chat, before)

    async def say(text: str) -> str:
        before = len(texts(chat))
        adapter.say(chat, text)
        return await settle(adapter, chat, before)

    async with adapter.running(rasa.url, dvc_api_url=api_url, dvc_internal_token=INTERNAL_TOKEN, outbox_interval=0.3):
        await say("/hoc")
        assert "🧪 Thực hành nộp hồ sơ" in adapter.choices(chat)
        assert "giả định" in await press("🧪 Thực hành nộp hồ sơ")
        assert "Giấy tờ 1/3" in await press("Chuyển trường và tiếp nhận học sinh")
        for _ in range(3):
            await press("Trường hợp của mình không cần")
        assert "Nộp trực tuyến" in adapter.choices(chat)
        await press("Nộp trực tuyến")
        digits = adapter.choices(chat)[0]
        submitted = await press(digits)
        code = re.search(r"999\.00\.00\.T00-\d{6}-\d{4}", submitted)
        assert code and "Giấy tờ đính kèm: 0/3" in submitted

        assert "mã hồ sơ" in (await say("/tracuu")).lower()
        assert "4 số cuối" in await say(code[0])
        assert "hồ sơ thực hành" in await say(digits)
        await press("Nhận thông báo khi hồ sơ thay đổi")
        before = len(texts(chat))
        adapter.press(chat, "Cơ quan xử lý tiếp")
        await adapter.wait_for(lambda: any(t.startswith("[Thực hành]") for t in texts(chat)[before:]), timeout=30)
    pushed = [t for t in texts(chat) if t.startswith("[Thực hành]")]
    assert len(pushed) == 1 and code[0] in pushed[0] and "Đang giải quyết" in pushed[0]
