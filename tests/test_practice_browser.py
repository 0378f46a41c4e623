"""A practice dossier in the website widget (headless Debian Chromium, real API, Rasa and actions): a student fills it
with buttons, looks it up with the real form, subscribes, and sees the status notification arrive in the open chat."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import RasaServer
from tests.test_widget_browser import WAIT, ask, bot_count, browser, demo_url, shot, wait_more_bot_messages  # noqa: F401

pytestmark = pytest.mark.rasa


def press(page: Page, title: str) -> str:
    """Press the latest button with this title; the text of the bot's answer."""
    before = bot_count(page)
    page.locator(".dvcw-msg.dvcw-bot button.dvcw-chip", has_text=title).last.click()
    wait_more_bot_messages(page, before)
    return page.locator(".dvcw-msg.dvcw-bot").last.inner_text()


def say(page: Page, text: str) -> str:
    """Type a message; the text of the bot's answer."""
    before = bot_count(page)
    ask(page, text)
    wait_more_bot_messages(page, before)
    return page.locator(".dvcw-msg.dvcw-bot").last.inner_text()


def test_a_practice_dossier_in_the_widget_ends_with_a_notification(browser: Browser, api_url: str, rasa: RasaServer) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone, as in a classroom
    page.goto(demo_url(api_url))
    page.get_by_role("button", name="Mở trợ lý dịch vụ công").click()
    expect(page.locator(".dvcw-bot").first).to_be_visible(timeout=WAIT)

    assert "giả định" in say(page, "em muốn thử làm một bộ hồ sơ thực hành")
    assert "Giấy tờ 1/3" in press(page, "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc")
    for _ in range(3):
        press(page, "Đính kèm (bản giả định)")
    press(page, "Nộp trực tuyến")
    digits = page.locator(".dvcw-msg.dvcw-bot").last.locator("button.dvcw-chip").first.inner_text().strip()
    submitted = press(page, digits)
    code = re.search(r"999\.00\.00\.T00-\d{6}-\d{4}", submitted)
    assert code and "Giấy tờ đính kèm: 3/3" in submitted
    shot(page, "practice-1-submitted")

    assert "mã hồ sơ" in press(page, "Tra cứu hồ sơ")
    assert "4 số cuối" in say(page, code[0])
    assert "hồ sơ thực hành" in say(page, digits)
    press(page, "Nhận thông báo khi hồ sơ thay đổi")
    assert page.locator(".dvcw-notice").count() == 0
    press(page, "Cơ quan xử lý tiếp")
    notice = page.locator(".dvcw-notice").last
    expect(notice).to_contain_text(f"[Thực hành] Hồ sơ {code[0]}", timeout=WAIT)  # arrives without reopening the chat
    expect(notice).to_contain_text("Đang giải quyết")
    shot(page, "practice-2-notified")
    page.close()
