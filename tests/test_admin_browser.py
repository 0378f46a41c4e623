"""The admin pages driven in headless Chromium: log in, read the dashboard, answer a ticket; a screenshot is kept."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterator

import pytest

from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.records import service
from tests.api import records_servers as rs
from tests.browser import chromium, require_chromium
from tests.conftest import ARTIFACTS


def seed(db: str) -> str:
    """Two weeks of varied conversations ending today, and one open ticket; returns its code."""
    now = dt.datetime.now(dt.UTC)
    procedures = ["ban_sao_van_bang_tu_so_goc", "cap_lai_van_bang", "cap_phep_dao_tao_boi_duong_ngoai_ngu_tin_hoc", None]
    with session_factory(db)() as s:
        for day in range(14):
            for n in range(day % 5 + 2):
                sender = ("web:", "telegram:", "classroom:")[n % 3] + f"{day}-{n}"
                at = now - dt.timedelta(days=day, minutes=n)
                slug = procedures[(day + n) % 4]
                service.record_turn(
                    s, sender, "hỏi lệ phí", "ask_fee", slug, None if slug else "digital_diplomas", (day + n) % 4 != 3, at=at
                )
                if n % 2 == 0:
                    service.add_rating(s, sender, 5 - (day + n) % 3, None, slug, at=at)
        service.record_turn(s, "web:x", "em muốn hỏi về học bổng 0912345678", "nlu_fallback", None, None, False, at=now)
        return service.create_ticket(s, "telegram:99", "Con em học lớp 9 chuyển trường giữa năm được không ạ?", None, at=now).code


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[tuple[str, str]]:
    require_chromium()
    db = rs.fresh_db(tmp_path_factory.mktemp("browser"), catalogue)
    code = seed(db)
    with rs.api(db, logdir, "api-admin-browser") as base:
        yield base, code


def test_admin_dashboard_and_ticket_answer_in_chromium(url: tuple[str, str]) -> None:
    base, code = url
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page.goto(f"{base}/admin")
        assert page.url.endswith("/admin/login")
        page.fill("#username", rs.ADMIN)
        page.fill("#password", rs.ADMIN_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/admin")
        assert page.locator("h2").first.inner_text() == "Báo cáo phục vụ người dân"
        assert page.locator("svg.chart").count() >= 4
        assert "[SĐT]" in page.content() and "0912345678" not in page.content()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-dashboard.png"), full_page=True)

        page.click("text=Câu hỏi chuyển cán bộ")
        page.wait_for_url(f"{base}/admin/tickets")
        card = page.locator(f"#{code}")
        assert "chuyển trường giữa năm" in card.inner_text()
        card.locator("textarea").fill("Dạ được ạ, phụ huynh liên hệ trường mới để được tiếp nhận.")
        card.locator("button[type=submit]").click()
        page.wait_for_url(f"{base}/admin/tickets?done={code}")
        assert f"Đã gửi câu trả lời cho {code}" in page.content()
        page.screenshot(path=str(ARTIFACTS / "admin-tickets.png"), full_page=True)
