"""Report figures from a known set of conversations, over real HTTP with Basic and bearer auth; exports."""

from __future__ import annotations

import base64
import datetime as dt
import io
import pathlib
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.records import service
from api.records.models import TicketRow
from tests.api import records_servers as rs

UTC = dt.UTC
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: int, hour: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


def seed(db: str) -> None:
    """3 conversations in March (web, telegram, classroom) and one in February, with ratings, tickets, feedback."""
    with session_factory(db)() as s:
        service.record_turn(s, "web:a", "lệ phí bao nhiêu", "ask_fee", "p-one", None, True, at=at(2, 2))
        service.record_turn(s, "web:a", "lịch thi", "ask_topic", None, "t-one", True, at=at(2, 3))
        service.record_turn(s, "web:a", "gọi em số 0912345678 nhé", "nlu_fallback", None, None, False, at=at(2, 4))
        # 20:00 UTC on the 2nd is 03:00 on the 3rd in Vietnam
        service.record_turn(s, "telegram:1", "hồ sơ cần gì", "ask_documents", "p-one", None, True, at=at(2, 20))
        service.record_turn(s, "telegram:1", "nộp ở đâu", "ask_where", "p-two", None, True, at=at(2, 21))
        service.record_turn(s, "classroom:lop-9a", "dịch vụ công là gì", "ask_topic", None, "t-one", True, at=at(5, 3))
        service.record_turn(s, "classroom:lop-9a", "xyz", "nlu_fallback", None, None, False, at=at(5, 4))
        service.record_turn(s, "telegram:old", "cũ", "ask_fee", "p-two", None, True, at=at(10, 3, month=2))
        service.add_rating(s, "web:a", 5, None, "p-one", at=at(2, 5))
        service.add_rating(s, "telegram:1", 4, "tốt", "p-one", at=at(2, 22))
        service.add_rating(s, "telegram:1", 2, None, "p-two", at=at(2, 23))
        service.add_rating(s, "classroom:lop-9a", 3, None, None, at=at(5, 5))
        service.add_rating(s, "telegram:old", 1, None, "p-two", at=at(10, 4, month=2))
        answered = service.create_ticket(s, "web:a", "hỏi cán bộ", None, at=at(4, 1))
        service.create_ticket(s, "telegram:1", "hỏi thêm", None, at=at(4, 2))
        ticket = s.get(TicketRow, answered.id)
        assert ticket is not None
        ticket.status, ticket.answer, ticket.answered_at = "answered", "đây", at(4, 4)
        s.commit()
        service.add_feedback(s, "web:a", "complaint", "chậm", at=at(6, 1))


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    db = rs.fresh_db(tmp_path_factory.mktemp("reports"), catalogue)
    seed(db)
    with rs.api(db, logdir, "api-reports") as base:
        yield base


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_summary_figures_with_basic_auth(url: str) -> None:
    response = httpx.get(f"{url}/api/v1/reports/summary", params=MARCH, headers=basic(rs.ADMIN, rs.ADMIN_PASSWORD))
    assert response.status_code == 200, response.text
    s = response.json()
    assert (s["conversations"], s["new_users"], s["messages"], s["answered"], s["fallback"]) == (3, 3, 7, 5, 2)
    assert s["fallback_share"] == round(2 / 7, 4)
    assert (s["rating_count"], s["rating_average"]) == (4, 3.5)
    assert s["rating_distribution"] == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1}
    channels = {r["channel"]: r for r in s["per_channel"]}
    assert channels["web"] == {
        "channel": "web",
        "conversations": 1,
        "messages": 3,
        "fallback_share": 0.3333,
        "rating_count": 1,
        "rating_average": 5.0,
    }
    assert channels["telegram"] == {
        "channel": "telegram", "conversations": 1, "messages": 2, "fallback_share": 0.0, "rating_count": 2, "rating_average": 3.0,
    }  # fmt: skip
    assert channels["classroom"]["fallback_share"] == 0.5
    procedures = {r["procedure_slug"]: r for r in s["per_procedure"]}
    assert procedures["p-one"] == {"procedure_slug": "p-one", "messages": 2, "rating_count": 2, "rating_average": 4.5}
    assert procedures["p-two"] == {"procedure_slug": "p-two", "messages": 1, "rating_count": 1, "rating_average": 2.0}
    assert s["per_topic"] == [{"topic_slug": "t-one", "messages": 2}]
    assert s["per_day"] == [
        {"day": "2026-03-02", "conversations": 1, "messages": 3, "new_users": 1},
        {"day": "2026-03-03", "conversations": 1, "messages": 2, "new_users": 1},
        {"day": "2026-03-05", "conversations": 1, "messages": 2, "new_users": 1},
    ]
    assert s["per_week"] == [{"week": "2026-W10", "conversations": 3, "messages": 7, "new_users": 3}]  # Mon 2 – Sun 8 March
    assert s["tickets"] == {"open": 1, "answered": 1, "response_hours_median": 3.0, "response_hours_average": 3.0}
    assert s["feedback"]["complaint"] == {"open": 1, "answered": 0}
    assert s["rating_per_month"] == [{"month": "2026-03", "rating_count": 4, "rating_average": 3.5}]


def test_bearer_token_channel_filter_and_teacher_scope(url: str) -> None:
    token = httpx.post(f"{url}/api/v1/auth/token", json={"username": rs.ADMIN, "password": rs.ADMIN_PASSWORD}).json()[
        "access_token"
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    s = httpx.get(f"{url}/api/v1/reports/summary", params={**MARCH, "channel": "classroom"}, headers=bearer).json()
    assert (s["messages"], s["fallback_share"], s["rating_count"], s["rating_average"]) == (2, 0.5, 1, 3.0)
    teacher = httpx.post(f"{url}/api/v1/auth/token", json={"username": rs.TEACHER, "password": rs.PASSWORD}).json()[
        "access_token"
    ]
    t = httpx.get(f"{url}/api/v1/reports/summary", params=MARCH, headers={"Authorization": f"Bearer {teacher}"}).json()
    assert (t["channel"], t["messages"]) == ("classroom", 2)
    assert (
        httpx.get(f"{url}/api/v1/conversations", params=MARCH, headers={"Authorization": f"Bearer {teacher}"}).status_code == 403
    )
    assert (
        httpx.get(f"{url}/api/v1/reports/summary", params=MARCH, headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    )


def test_bad_dates_get_a_vietnamese_message(url: str) -> None:
    response = httpx.get(
        f"{url}/api/v1/reports/summary", params={"from": "31/03/2026"}, headers=basic(rs.ADMIN, rs.ADMIN_PASSWORD)
    )
    assert response.status_code == 422 and "YYYY-MM-DD" in response.json()["detail"]


def test_a_range_reaching_year_9999_is_refused_not_a_crash(url: str) -> None:
    for params in ({"from": "2026-01-01", "to": "9999-12-31"}, {"from": "0001-01-01", "to": "2026-01-01"}):
        response = httpx.get(f"{url}/api/v1/reports/summary", params=params, headers=basic(rs.ADMIN, rs.ADMIN_PASSWORD))
        assert response.status_code == 422 and "Ngày phải nằm trong khoảng" in response.json()["detail"], response.text
    admin = rs.login(url, rs.ADMIN, rs.ADMIN_PASSWORD)
    try:
        assert admin.get("/admin/export.csv", params={"from": "9999-12-30", "to": "9999-12-31"}).status_code == 422
    finally:
        admin.close()


def test_non_ascii_tokens_and_passwords_are_refused_cleanly(url: str) -> None:
    summary = f"{url}/api/v1/reports/summary"
    for header in (
        "Bearer mật-khẩu".encode(),
        b"Basic \xc3\xa9t\xc3\xa9",
        b"Basic " + base64.b64encode(b"quantri:\xff\xfe"),
    ):
        assert httpx.get(summary, headers={b"Authorization": header}).status_code == 401
    unicode_password = basic(rs.ADMIN, "mật khẩu sai")
    assert httpx.get(summary, headers=unicode_password).status_code == 401
    internal = httpx.post(
        f"{url}/api/v1/records/turns", json={"sender": "web:x", "text": "a", "answered": True},
        headers={b"Authorization": "Bearer nội-bộ".encode()},
    )  # fmt: skip
    assert internal.status_code == 401
    with httpx.Client(base_url=url) as browser:
        browser.get("/admin/login")
        form = {"username": rs.ADMIN, "password": rs.ADMIN_PASSWORD, "csrf_token": "giả-mạo"}
        assert browser.post("/admin/login", data=form).status_code == 403


def test_teachers_get_only_the_classroom_channel_everywhere(url: str) -> None:
    teacher = basic(rs.TEACHER, rs.PASSWORD)
    unanswered = httpx.get(f"{url}/api/v1/reports/unanswered", params=MARCH, headers=teacher)
    assert unanswered.status_code == 200 and unanswered.json(), unanswered.text
    assert {row["channel"] for row in unanswered.json()} == {"classroom"}
    asked_web = httpx.get(f"{url}/api/v1/reports/unanswered", params={**MARCH, "channel": "web"}, headers=teacher).json()
    assert {row["channel"] for row in asked_web} == {"classroom"}
    admin_view = httpx.get(f"{url}/api/v1/reports/unanswered", params=MARCH, headers=basic(rs.ADMIN, rs.ADMIN_PASSWORD))
    assert {row["channel"] for row in admin_view.json()} == {"web", "classroom"}


def test_conversations_are_masked_and_carry_no_sender(url: str) -> None:
    data = httpx.get(f"{url}/api/v1/conversations", params=MARCH, headers=basic(rs.ADMIN, rs.ADMIN_PASSWORD)).json()
    assert data["total"] == 3 and len(data["items"]) == 3
    raw = str(data)
    assert "0912345678" not in raw and "[SĐT]" in raw
    assert "web:a" not in raw and "telegram:1" not in raw
    web = next(c for c in data["items"] if c["channel"] == "web")
    assert [t["answered"] for t in web["turns"]] == [True, True, False]


def test_exports_csv_xlsx_and_print(url: str) -> None:
    admin = rs.login(url, rs.ADMIN, rs.ADMIN_PASSWORD)
    try:
        csv_text = admin.get("/admin/export.csv", params=MARCH).content.decode("utf-8-sig")
        assert "Tin nhắn,7" in csv_text and "Điểm hài lòng trung bình (1–5),3.5" in csv_text
        book = load_workbook(io.BytesIO(admin.get("/admin/export.xlsx", params=MARCH).content))
        overview = {row[0]: row[1] for row in book["tong-quan"].iter_rows(min_row=3, values_only=True)}
        assert overview["Cuộc hội thoại"] == 3 and overview["Số lượt đánh giá"] == 4
        assert [r[2] for r in book["theo-ngay"].iter_rows(min_row=3, values_only=True)] == [3, 2, 2]
        printable = admin.get("/admin/print", params=MARCH)
        assert printable.status_code == 200 and "@media print" in printable.text and "BÁO CÁO TÓM TẮT" in printable.text
        dashboard = admin.get("/admin", params=MARCH)
        assert dashboard.status_code == 200 and "<svg" in dashboard.text and "gọi em số [SĐT] nhé" in dashboard.text
    finally:
        admin.close()
