"""The calendar and reminders in a conversation over the REST channel: Rasa → action server → API (real clock)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from api.calendar.service import local_day, school_year_of
from tests.conftest import INTERNAL_TOKEN, RasaServer
from tests.test_conversations import buttons_of, text_of

pytestmark = pytest.mark.rasa
YEAR = school_year_of(local_day(dt.datetime.now(dt.UTC)))
REMIND = "🔔 Nhắc em khi đến hạn"


@pytest.fixture(scope="module", autouse=True)
def warm(api_url: str) -> None:
    """The API builds its catalogue snapshot on the first question (seconds on a busy machine): done before the turns."""
    assert httpx.get(f"{api_url}/api/v1/resolve", params={"q": "lệ phí"}, timeout=120).status_code == 200


def sender() -> str:
    """A fresh widget conversation."""
    return f"web:{uuid.uuid4()}"


def reminders(api_url: str, user: str) -> list[dict[str, Any]]:
    """The chat's reminders as the API holds them."""
    r = httpx.get(
        f"{api_url}/api/v1/reminders", params={"recipient": user}, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    )
    r.raise_for_status()
    result: list[dict[str, Any]] = r.json()
    return result


def remind_button(messages: list[dict[str, object]]) -> dict[str, str]:
    """The reminder button of a reply."""
    found = [b for b in buttons_of(messages) if b["title"] == REMIND]
    assert found, buttons_of(messages)
    return found[0]


def test_exam_registration_question_gets_this_years_window_and_a_labelled_reference(rasa: RasaServer) -> None:
    reply = rasa.say(sender(), "năm nay đăng ký dự thi tốt nghiệp cấp 3 từ hôm nào vậy")
    text = text_of(reply)
    assert f"Lịch năm học {YEAR}" in text
    assert "Đăng ký dự thi tốt nghiệp THPT năm 2027" in text
    if YEAR == "2026-2027":  # not published when this was written: last year's dates only as a reference
        assert "chưa công bố cho năm học 2026-2027" in text
        assert "Năm trước (2025-2026), chỉ để tham khảo: 24/04/2026–05/05/2026" in text
    assert "Nguồn lịch:" in text and "http" in text
    assert "graduation_exam_registration" in remind_button(reply)["payload"]


def test_remarking_deadline_question_names_the_rule(rasa: RasaServer) -> None:
    text = text_of(rasa.say(sender(), "hạn chót nộp đơn phúc khảo bài thi là lúc nào"))
    assert "Nộp đơn phúc khảo bài thi tốt nghiệp THPT" in text
    assert "10 ngày kể từ ngày công bố điểm" in text


def test_subscribe_with_the_button_list_and_cancel(rasa: RasaServer, api_url: str) -> None:
    user = sender()
    button = remind_button(rasa.say(user, "khi nào thì được nộp đơn phúc khảo điểm thi tốt nghiệp"))
    done = text_of(rasa.say(user, button["payload"]))
    assert "em sẽ nhắc anh/chị" in done or "chưa có ngày" in done
    assert [e["key"] for e in reminders(api_url, user)] == ["graduation_remarking"]
    listed = rasa.say(user, "cho mình coi lại các lời nhắc hạn đã đặt")
    assert "Nộp đơn phúc khảo" in text_of(listed)
    assert any(b["title"].startswith("Hủy: ") for b in buttons_of(listed)), listed
    cancelled = text_of(rasa.say(user, "mình không muốn được nhắc hạn nữa, hủy giúp"))
    assert "đã hủy nhắc hẹn" in cancelled
    assert reminders(api_url, user) == []


def test_typed_request_subscribes_to_the_window_just_offered(rasa: RasaServer, api_url: str) -> None:
    user = sender()
    remind_button(rasa.say(user, "đăng ký thi tốt nghiệp thpt năm nay bắt đầu khi nào"))
    rasa.say(user, "sắp tới hạn thì nhắn nhắc giúp em nha")
    assert len(reminders(api_url, user)) == 1
