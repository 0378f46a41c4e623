"""Classroom mode through Rasa over REST: the lesson menu, a whole lesson with its check questions (a wrong answer
explained), resuming where a student stopped, and joining a teacher's class with a good, wrong or closed code."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import select

from api.db import session_factory
from api.lessons import classes
from api.lessons.models import ClassMemberRow, LessonRow, QuizAnswerRow
from gateway.core.conversation import Conversations
from tests.conftest import RasaServer


def text_of(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages)


def buttons_of(messages: list[dict[str, object]]) -> list[dict[str, str]]:
    return [b for m in messages for b in m.get("buttons", []) or []]  # type: ignore[attr-defined]


def lesson_payload(slug: str) -> str:
    return f'/classroom_lesson{{"lesson": "{slug}"}}'


def join_payload(text: str) -> str:
    """What the Telegram and Zalo gateways send for `/hoc <text>`."""
    return "/classroom_join" + json.dumps({"join_text": text}, ensure_ascii=False)


def quiz_of(db_url: str, slug: str) -> list[dict[str, object]]:
    with session_factory(db_url)() as session:
        row = session.get(LessonRow, slug)
        assert row is not None
        quiz: list[dict[str, object]] = row.data["quiz"]
        return quiz


def letter_of(messages: list[dict[str, object]], choice: str) -> str:
    """The letter of the button showing `choice`."""
    for b in buttons_of(messages):
        if b["title"].endswith(choice):
            return str(json.loads("{" + b["payload"].split("{", 1)[1])["quiz_choice"])
    raise AssertionError(f"no button {choice}: {buttons_of(messages)}")


def test_menu_then_a_whole_lesson_with_its_quiz(rasa: RasaServer, db_url: str) -> None:
    user = f"classroom:{uuid.uuid4().hex[:8]}"
    menu = rasa.say(user, "mình muốn học về dịch vụ công trên mạng")
    titles = [b["title"] for b in buttons_of(menu)]
    assert len(titles) >= 8 and any("Toàn trình" in t for t in titles)
    assert lesson_payload("service_levels") in [b["payload"] for b in buttons_of(menu)]
    step = rasa.say(user, lesson_payload("service_levels"))
    assert "Bước 1/4" in text_of(step) and "Nguồn:" in text_of(step) and "/classroom_next" in str(buttons_of(step))
    for number in (2, 3, 4):
        assert f"Bước {number}/4" in text_of(rasa.say(user, "qua bước kế tiếp" if number == 3 else "/classroom_next"))
    question = rasa.say(user, "/classroom_next")
    assert "Câu 1/2" in text_of(question) and len(buttons_of(question)) == 3
    quiz = quiz_of(db_url, "service_levels")
    wrong_choice = quiz[0]["choices"][1]  # type: ignore[index]
    reply = rasa.say(user, f'/classroom_answer{{"quiz_choice": "{letter_of(question, str(wrong_choice))}"}}')
    assert "Chưa đúng" in text_of(reply) and str(quiz[0]["explanation"])[:40] in text_of(reply)
    assert "Câu 2/2" in text_of(reply)
    right = quiz[1]["choices"][0]  # type: ignore[index]
    done = rasa.say(user, f"mình chọn đáp án {letter_of(reply, str(right))}")  # typed, as on a numbered Zalo menu
    assert "Chính xác" in text_of(done) and "đúng 1/2" in text_of(done)
    assert "/classroom" in [b["payload"] for b in buttons_of(done)]
    with session_factory(db_url)() as session:
        answers = session.scalars(select(QuizAnswerRow).where(QuizAnswerRow.sender == user)).all()
    assert [(a.question, a.correct) for a in answers] == [("full_online", False), ("levels_count", True)]
    again = rasa.say(user, "/classroom")
    assert any(b["title"].startswith("✅") and "Toàn trình" in b["title"] for b in buttons_of(again))


def test_a_student_resumes_where_they_stopped(rasa: RasaServer) -> None:
    user = f"classroom:{uuid.uuid4().hex[:8]}"
    rasa.say(user, lesson_payload("staying_safe"))
    assert "Bước 2/4" in text_of(rasa.say(user, "/classroom_next"))
    menu = rasa.say(user, "/classroom")
    assert any("▶️" in b["title"] and "(1/6)" in b["title"] for b in buttons_of(menu))
    resumed = rasa.say(user, lesson_payload("staying_safe"))
    assert "Bước 2/4" in text_of(resumed) and "App Store" in text_of(resumed)


def test_joining_a_class_by_code_and_the_wrong_or_closed_ones(rasa: RasaServer, db_url: str) -> None:
    now = dt.datetime.now(dt.UTC)
    with session_factory(db_url)() as session:
        open_code = classes.create(session, "giaovien", "Lớp 9A ngoại khóa", 60, now).code
        closed = classes.create(session, "giaovien", "Lớp hôm qua", 60, now - dt.timedelta(days=1))
        closed_code = closed.code
    user = f"telegram:{uuid.uuid4().int % 10**9}"  # as the Telegram gateway speaks for its chats
    unknown = text_of(rasa.say(user, join_payload("ZZZZZ9 Sóc Nâu"), channel="gateway"))
    assert "không tìm thấy lớp có mã ZZZZZ9" in unknown
    assert "đã kết thúc" in text_of(rasa.say(user, join_payload(f"{closed_code} Sóc Nâu"), channel="gateway"))
    refused = text_of(rasa.say(user, join_payload(f"{open_code} 0912345678"), channel="gateway"))
    assert "không phải số điện thoại" in refused
    joined = rasa.say(user, join_payload(f"{open_code.lower()} Sóc Nâu"), channel="gateway")
    assert "Lớp 9A ngoại khóa" in text_of(joined) and "Sóc Nâu" in text_of(joined) and len(buttons_of(joined)) >= 8
    admission = text_of(rasa.say(user, "năm nay đăng ký thi vào lớp 10 thế nào", channel="gateway"))
    assert "biệt danh" not in admission and "lớp 10" in admission.lower()  # no class code: a question, answered as such
    scanned = text_of(rasa.say(user, join_payload(open_code), channel="gateway"))  # the QR code: a code, no nickname
    assert f"/hoc {open_code} <biệt danh>" in scanned
    web = f"web:{uuid.uuid4()}"
    typed = text_of(rasa.say(web, f"mình muốn vào lớp {open_code} Cáo Nhỏ"))  # the web has no /hoc command
    assert "Lớp 9A ngoại khóa" in typed and "Cáo Nhỏ" in typed
    widget = f"web:{uuid.uuid4()}"
    assert len(buttons_of(rasa.say(widget, "/hoc"))) >= 8, "the command the teacher writes on the board works in the widget"
    command = text_of(rasa.say(widget, f"/hoc {open_code} Gấu Trúc"))
    assert "Lớp 9A ngoại khóa" in command and "Gấu Trúc" in command
    with session_factory(db_url)() as session:
        members = session.scalars(select(ClassMemberRow).where(ClassMemberRow.sender == user)).all()
    assert [m.nickname for m in members] == ["Sóc Nâu"]


def test_gateways_pass_the_code_and_nickname_of_hoc() -> None:
    gateway = Conversations.__new__(Conversations)  # command_payload reads nothing of the instance
    assert gateway.command_payload("/hoc") == "/classroom"
    assert gateway.command_payload("/hoc@dvc_bot  K7M2PQ  Sóc Nâu ") == join_payload("K7M2PQ  Sóc Nâu")
    assert gateway.command_payload('/hoc x"}{') == join_payload('x"}{')  # JSON-escaped, never a second payload
    assert gateway.command_payload("/tracuu 123") == "/lookup_dossier"
    assert gateway.command_payload("/start hoc_K7M2PQ") == join_payload("K7M2PQ")  # the QR code's t.me link
    assert gateway.command_payload("/start") == "/greet"
