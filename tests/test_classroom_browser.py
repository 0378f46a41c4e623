"""A teacher's class page in headless Chromium (Debian's): open a class from the admin page, students join and answer
over the real API, then the page shows the code, the QR code, progress per student and the questions missed most;
the CSV downloads; another teacher gets nothing. A screenshot is kept."""

from __future__ import annotations

import csv
import io
import pathlib
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from api.admin.auth import upsert_user
from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.lessons.loader import read_lessons, sync_lessons
from api.settings import ROOT
from tests.api import records_servers as rs
from tests.browser import chromium
from tests.conftest import ARTIFACTS
from tests.test_classroom_teacher import join, work_through

OTHER_TEACHER = "thaygiao3"
BOT = "dvc_lop_bot"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Nickname, then right/wrong per question of service_levels (full_online, levels_count), and whether pay_fees follows.
STUDENTS = [
    ("Sóc Nâu", [True, True], True),
    ("Cáo Nhỏ", [False, True], False),
    ("Mèo Mun", [False, False], True),
    ("Gấu Trúc", [False, True], False),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    db = rs.fresh_db(tmp_path_factory.mktemp("classroom-browser"), catalogue)
    with session_factory(db)() as session:
        sync_lessons(session, read_lessons(ROOT / "kb" / "lessons", catalogue.sources))
        upsert_user(session, OTHER_TEACHER, rs.PASSWORD, "teacher")
    with rs.api(db, logdir, "api-classroom-browser", DVC_REMINDER_INTERVAL_SECONDS="0", DVC_TELEGRAM_BOT_USERNAME=BOT) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium driven by Playwright."""
    with chromium() as launched:
        yield launched


def log_in(browser: Browser, base: str, username: str) -> Page:
    """A fresh browser context (its own cookies) logged in to the admin pages."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True).new_page()
    page.goto(f"{base}/admin/login")
    page.fill("#username", username)
    page.fill("#password", rs.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin")
    return page


def open_class(page: Page, base: str, title: str) -> str:
    """Open a class with the form of the Lớp học page, as a teacher does; its join code."""
    page.get_by_role("link", name="Lớp học").click()
    page.wait_for_url(f"{base}/admin/classes")
    page.fill("input[name=title]", title)
    page.fill("input[name=minutes]", "45")
    page.get_by_role("button", name="Mở lớp").click()
    page.wait_for_url(f"{base}/admin/classes/*")
    return page.url.rsplit("/", 1)[1]


def run_class(base: str, code: str) -> None:
    """The scripted students join by code and nickname and work through their lessons over the real API."""
    with httpx.Client(base_url=base, headers=rs.internal(), timeout=30) as client:
        for n, (nickname, right, second) in enumerate(STUDENTS):
            sender = f"web:browser-{code}-{n}"
            assert join(base, sender, code, nickname)["status"] == "joined"
            work_through(client, sender, "service_levels", right)
            if second:
                work_through(client, sender, "pay_fees", [True, False])


def row_texts(page: Page, heading: str) -> list[str]:
    """The data rows of the table in the card titled `heading`, one string per row (cells joined by |)."""
    table = page.locator(".card", has=page.get_by_role("heading", name=heading)).locator("table tr")
    rows = [" | ".join(table.nth(i).locator("td").all_inner_texts()) for i in range(table.count())]
    return [r for r in rows if r]


def test_a_teacher_follows_the_class_in_chromium(browser: Browser, url: str) -> None:
    teacher = log_in(browser, url, rs.TEACHER)
    code = open_class(teacher, url, "Lớp 9C – ngoại khóa DVC")
    expect(teacher.locator(".kpi b").first).to_have_text(code)
    expect(teacher.get_by_text(f"/hoc {code} <biệt danh>")).to_be_visible()
    expect(teacher.get_by_text("Chưa có học sinh nào vào lớp.")).to_be_visible()

    run_class(url, code)
    teacher.reload()
    expect(teacher.locator(".qr svg")).to_be_visible()  # the projector's QR code of the t.me link
    expect(teacher.get_by_text(f"https://t.me/{BOT}?start=hoc_{code}")).to_be_visible()
    progress = row_texts(teacher, "Tiến độ từng học sinh")
    assert progress == ["Cáo Nhỏ | 1 | 1 / 2", "Gấu Trúc | 1 | 1 / 2", "Mèo Mun | 2 | 1 / 4", "Sóc Nâu | 2 | 3 / 4"]
    missed = row_texts(teacher, "Câu hỏi lớp trả lời sai nhiều nhất")
    assert missed[0].startswith("Dịch vụ công “toàn trình” nghĩa là gì?") and missed[0].endswith("3 / 4")
    assert [m.rsplit(" | ", 1)[1] for m in missed] == ["3 / 4", "2 / 2", "1 / 4"]
    expect(teacher.locator(".kpi b").nth(1)).to_have_text(str(len(STUDENTS)))

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "teacher-class.png"
    shot.unlink(missing_ok=True)
    teacher.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000 and shot.read_bytes()[:8] == PNG_SIGNATURE

    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="Tải CSV").click()
    assert download.value.suggested_filename == f"lop-{code}.csv"
    saved = pathlib.Path(download.value.path())
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["Biệt danh", "Số bài đã xong", "Số câu đã trả lời", "Số câu đúng"]
    assert ["Sóc Nâu", "2", "4", "3"] in rows and ["Gấu Trúc", "1", "2", "1"] in rows
    assert ["service_levels", "Dịch vụ công “toàn trình” nghĩa là gì?", "3", "4"] in rows

    other = log_in(browser, url, OTHER_TEACHER)
    refused = other.goto(f"{url}/admin/classes/{code}")
    assert refused is not None and refused.status == 404
    assert "Sóc Nâu" not in other.content()
    assert other.request.get(f"{url}/admin/classes/{code}.csv").status == 404
    other.goto(f"{url}/admin/classes")
    expect(other.get_by_text("Chưa có lớp nào.")).to_be_visible()
    assert code not in other.content()
    other.context.close()
    teacher.context.close()
