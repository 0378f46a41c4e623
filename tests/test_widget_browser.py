"""The website widget in headless Chromium (Debian's, never a downloaded one) against the real API, Rasa and actions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from api.db import session_factory
from api.notifications.service import enqueue
from tests.browser import chromium
from tests.conftest import ARTIFACTS, RasaServer

pytestmark = pytest.mark.rasa
QUESTION = "cho hoi xin ban sao bang tot nghiep can giay to gi"
XSS = "<img src=x onerror=alert(1)>"
WAIT = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright."""
    with chromium() as launched:
        yield launched


def demo_url(api_url: str) -> str:
    """The demo page as `make run` prints it: http://localhost:<port>/ (Rasa must allow that origin too)."""
    return api_url.replace("://127.0.0.1:", "://localhost:") + "/"


def user_bubbles(page: Page) -> list[str]:
    """What the log shows as said by the user (sent or waiting to be sent)."""
    return page.locator(".dvcw-msg.dvcw-user").all_inner_texts()


def shot(page: Page, name: str) -> None:
    """Screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"))


def ask(page: Page, text: str) -> None:
    """Type a message and press Enter, as a person would."""
    box = page.get_by_label("Câu hỏi của anh/chị")
    box.fill(text)
    box.press("Enter")


def bot_count(page: Page) -> int:
    return page.locator(".dvcw-msg.dvcw-bot").count()


def wait_more_bot_messages(page: Page, than: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.dvcw-msg.dvcw-bot').length > {than}", timeout=WAIT)


def test_conversation_history_and_escaping(browser: Browser, api_url: str, rasa: RasaServer, db_url: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 800})  # a phone first
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(demo_url(api_url))
    shot(page, "1-closed")

    launcher = page.get_by_role("button", name="Mở trợ lý dịch vụ công")
    launcher.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.locator(".dvcw-launcher")).to_have_attribute("aria-expanded", "true")  # hidden while open
    expect(page.locator(".dvcw-bot").first).to_contain_text(re.compile("chào", re.I), timeout=WAIT)  # greeting

    before = bot_count(page)
    ask(page, QUESTION)
    wait_more_bot_messages(page, before)
    expect(page.get_by_role("log")).to_contain_text(re.compile("bản sao", re.I))
    expect(page.locator(".dvcw-user").last).to_have_text(QUESTION)
    shot(page, "2-answer")

    expect(page.locator(".dvcw-quick:not(.dvcw-rating) button.dvcw-chip").first).to_be_visible()  # next questions
    rating = page.locator(".dvcw-rating button.dvcw-rate")  # payload /rate{"rating": N}, offered after the answer
    expect(rating.first).to_be_visible()
    rated = rating.first.inner_text()
    before = bot_count(page)
    rating.first.click()
    wait_more_bot_messages(page, before)
    expect(page.locator(".dvcw-user").last).to_have_text(rated)  # the title is shown, not the payload
    expect(page.locator(".dvcw-bot").last).to_contain_text(re.compile("cảm ơn", re.I))
    shot(page, "3-rated")

    quick = page.locator(".dvcw-msg.dvcw-bot button.dvcw-chip").last  # a quick reply of the latest bot message
    expect(quick).to_be_visible()
    title = quick.inner_text()
    before = bot_count(page)
    quick.click()
    wait_more_bot_messages(page, before)
    expect(page.locator(".dvcw-user").last).to_have_text(title)

    assert not [t for t in user_bubbles(page) if t.startswith("/")], "a payload was shown as the user's words"

    ask(page, XSS)
    expect(page.locator(".dvcw-user").last).to_have_text(XSS)
    page.wait_for_timeout(1500)
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert dialogs == []

    links = page.locator(".dvcw-bubble a")
    for i in range(links.count()):
        expect(links.nth(i)).to_have_attribute("target", "_blank")
        expect(links.nth(i)).to_have_attribute("rel", re.compile("noopener"))
        assert re.match(r"https?://", links.nth(i).get_attribute("href") or "")

    session_id = page.evaluate("localStorage.getItem('dvcw:session')")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", session_id)
    with session_factory(db_url)() as session:  # a staff answer waiting in this visitor's inbox
        enqueue(session, f"web:{session_id}", "staff_answer", "Cán bộ đã trả lời câu hỏi HT-TEST của anh/chị.")
        session.commit()
    messages_before = page.locator(".dvcw-msg").count()

    page.reload()
    expect(page.get_by_role("dialog")).to_be_visible()  # reopened for this browser session
    expect(page.locator(".dvcw-user").first).to_have_text(QUESTION)  # history survived the reload
    expect(page.locator(".dvcw-notice")).to_contain_text("HT-TEST", timeout=WAIT)  # inbox shown on open
    assert page.locator(".dvcw-msg").count() == messages_before + 1
    assert page.evaluate("localStorage.getItem('dvcw:session')") == session_id
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    shot(page, "4-reloaded")

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(launcher).to_be_focused()
    page.close()


def test_unreachable_bot_then_reconnect(browser: Browser, api_url: str, rasa: RasaServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(demo_url(api_url))
    page.get_by_role("button", name="Mở trợ lý dịch vụ công").click()
    expect(page.locator(".dvcw-bot").first).to_be_visible(timeout=WAIT)

    page.route(f"{rasa.url}/**", lambda route: route.abort("connectionrefused"))  # the network to Rasa is lost
    ask(page, QUESTION)
    status = page.locator(".dvcw-status")
    expect(status).to_contain_text("chưa kết nối được")
    expect(page.locator(".dvcw-unsent")).to_have_text(QUESTION)  # kept, not lost
    shot(page, "5-unreachable")

    before = bot_count(page)
    page.unroute(f"{rasa.url}/**")
    wait_more_bot_messages(page, before)  # retried by itself
    expect(status).to_be_hidden()
    expect(page.locator(".dvcw-unsent")).to_have_count(0)
    expect(page.locator(".dvcw-user").last).to_have_text(QUESTION)
    shot(page, "6-desktop")
    page.close()


def test_keyboard_only(browser: Browser, api_url: str) -> None:
    page = browser.new_page()
    page.goto(demo_url(api_url))
    launcher = page.get_by_role("button", name="Mở trợ lý dịch vụ công")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_label("Câu hỏi của anh/chị")).to_be_focused()
    expect(page.get_by_role("log")).to_have_attribute("aria-live", "polite")
    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    page.close()


def test_greeting_payload_is_never_shown_as_the_user_s_words(browser: Browser, api_url: str, rasa: RasaServer) -> None:
    page = browser.new_page()
    page.goto(demo_url(api_url))
    page.route(f"{rasa.url}/**", lambda route: route.abort("connectionrefused"))  # the greeting stays queued
    page.get_by_role("button", name="Mở trợ lý dịch vụ công").click()
    expect(page.locator(".dvcw-status")).to_contain_text("chưa kết nối được")
    assert user_bubbles(page) == []  # not "/greet"
    page.unroute(f"{rasa.url}/**")
    expect(page.locator(".dvcw-bot").first).to_contain_text(re.compile("chào", re.I), timeout=WAIT)
    assert user_bubbles(page) == []
    page.close()
