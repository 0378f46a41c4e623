"""Records, rating, feedback, handoff tickets, /help and classroom mode end to end over the REST channel."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from api.db import session_factory
from api.records import service
from api.records.models import ConversationRow, FeedbackRow, RatingRow, TicketRow, TurnRow
from tests.conftest import RasaServer
from tests.test_conversations import buttons_of, text_of

pytestmark = pytest.mark.rasa
QUESTION = "phí xin bản sao bằng tốt nghiệp từ sổ gốc là bao nhiêu"


def sender() -> str:
    """A fresh web conversation."""
    return f"web:{uuid.uuid4()}"


def rows(db_url: str, model: Any, user: str, wait: float = 3.0) -> list[Any]:
    """Rows of one conversation (turn records are written in the background: wait a little for them)."""
    deadline = time.monotonic() + wait
    while True:
        with session_factory(db_url)() as session:
            conv = session.scalars(select(ConversationRow).where(ConversationRow.sender == user)).first()
            found = list(session.scalars(select(model).where(model.conversation_id == conv.id))) if conv else []
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def payloads(reply: list[dict[str, object]]) -> list[str]:
    """Button payloads of one turn."""
    return [b["payload"] for b in buttons_of(reply)]


def test_answer_is_recorded_and_rating_asked_once(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    first = rasa.say(user, QUESTION)
    assert '/rate{"rating": 5}' in payloads(first) and "/decline" in payloads(first)
    second = rasa.say(user, "thế mất bao lâu ạ")
    assert "Thời hạn" in text_of(second)
    assert not any(p.startswith("/rate") for p in payloads(second)), "asked once per conversation"
    turns = rows(db_url, TurnRow, user)
    assert any(t.procedure_slug == "ban_sao_van_bang_tu_so_goc" and t.answered for t in turns)


def test_rating_with_comment_is_stored(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    rasa.say(user, QUESTION)
    assert "góp ý thêm" in text_of(rasa.say(user, '/rate{"rating": 4}'))
    assert "ghi nhận đánh giá" in text_of(rasa.say(user, "trả lời rõ ràng, dễ hiểu"))
    [rating] = rows(db_url, RatingRow, user)
    assert (rating.score, rating.comment, rating.procedure_slug) == (4, "trả lời rõ ràng, dễ hiểu", "ban_sao_van_bang_tu_so_goc")


def test_rating_without_comment_and_no_thanks(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    rasa.say(user, QUESTION)
    rasa.say(user, '/rate{"rating": 2}')
    assert "ghi nhận đánh giá" in text_of(rasa.say(user, "không, cảm ơn"))
    assert [r.score for r in rows(db_url, RatingRow, user)] == [2]
    other = sender()
    rasa.say(other, QUESTION)
    assert "Khi cần" in text_of(rasa.say(other, "ko cam on"))
    assert rows(db_url, RatingRow, other, wait=0.5) == []


def test_a_bare_number_under_the_rating_buttons_is_the_rating(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    rasa.say(user, QUESTION)
    assert "góp ý thêm" in text_of(rasa.say(user, "5"))
    assert "ghi nhận đánh giá" in text_of(rasa.say(user, "ko a"))
    assert [r.score for r in rows(db_url, RatingRow, user)] == [5]
    elsewhere = sender()
    rasa.say(elsewhere, "chào em")
    reply = text_of(rasa.say(elsewhere, "3"))
    assert "bấm nút" in reply and "góp ý" not in reply, "no rating prompt on screen: the number is not a rating"
    assert rows(db_url, RatingRow, elsewhere, wait=0.5) == []


def test_feedback_with_content_is_stored_at_once(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    text = text_of(rasa.say(user, "tôi muốn phản ánh cán bộ một cửa thái độ không tốt khi nhận hồ sơ"))
    assert "đã ghi nhận phản ánh" in text
    [item] = rows(db_url, FeedbackRow, user)
    assert item.kind == "feedback" and "thái độ" in item.text and item.status == "open"


def test_short_complaint_asks_for_the_content(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    assert "nội dung" in text_of(rasa.say(user, "toi muon khieu nai"))
    text = text_of(rasa.say(user, "hồ sơ chuyển trường của con tôi quá hạn 2 tuần chưa trả kết quả"))
    assert "khiếu nại" in text
    [item] = rows(db_url, FeedbackRow, user)
    assert item.kind == "complaint" and "quá hạn" in item.text


def test_fallback_offers_handoff_and_ticket_round_trip(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    question = "trường con tôi có được tổ chức dạy bơi trong giờ học không"
    reply = rasa.say(user, question)
    assert "/request_handoff" in payloads(reply)
    made = text_of(rasa.say(user, "/request_handoff"))
    match = re.search(r"HT-[A-Z0-9]{8}", made)
    assert match, made
    code = match.group(0)
    assert "chưa có trả lời" in text_of(rasa.say(user, f"kiểm tra phiếu {code.lower()}"))
    with session_factory(db_url)() as session:
        ticket = service.find_ticket(session, code)
        assert ticket is not None and ticket.question == question
        service.answer_ticket(session, ticket, "Việc này do nhà trường quyết định.", "staff")
    answered = text_of(rasa.say(sender(), f"kiem tra phieu {code}"))
    assert "nhà trường quyết định" in answered
    turns = rows(db_url, TurnRow, user)
    assert any(not t.answered for t in turns), "the fallback is recorded as unanswered"


def test_ask_human_then_type_the_question(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    reply = rasa.say(user, "cho tôi gặp cán bộ")
    assert "0000 000 000" in text_of(reply) and "/request_handoff" in payloads(reply)
    assert "gõ câu hỏi" in text_of(rasa.say(user, "/request_handoff"))
    assert "HT-" in text_of(rasa.say(user, "con tôi học lớp 11 có được chuyển sang trường tư không"))
    [ticket] = rows(db_url, TicketRow, user)
    assert "lớp 11" in ticket.question


def test_unknown_ticket(rasa: RasaServer) -> None:
    assert "không tìm thấy phiếu" in text_of(rasa.say(sender(), "kiểm tra phiếu HT-ZZZZ2222"))


def test_greet_and_help_offer_the_main_menu(rasa: RasaServer) -> None:
    user = sender()
    assert buttons_of(rasa.say(user, "/greet"))
    reply = rasa.say(user, "/help")
    assert "Tra cứu tình trạng hồ sơ" in text_of(reply)
    assert {"/lookup_dossier", "/classroom", "/give_feedback"} <= set(payloads(reply))


def test_classroom_opens_the_lesson_menu(rasa: RasaServer) -> None:
    user = f"classroom:{uuid.uuid4().hex[:8]}"
    first = rasa.say(user, "/classroom")
    lessons = [p for p in payloads(first) if p.startswith("/classroom_lesson")]
    assert len(lessons) >= 8, "every kb/lessons lesson is offered (the whole flow: tests/test_classroom_conversation.py)"
    step = rasa.say(user, lessons[2])
    assert "Bước 1/" in text_of(step) and "VNeID" in text_of(step) and "/classroom_next" in payloads(step)


def test_typed_yes_accepts_the_handoff_offer(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    question = "nhà trường có cho học sinh mang điện thoại vào lớp không ạ"
    assert "/request_handoff" in payloads(rasa.say(user, question))
    reply = rasa.say(user, "uh dc a")
    made = text_of(reply)
    assert re.search(r"HT-[A-Z0-9]{8}", made), made
    said = [m.get("text") for m in reply]
    assert len(said) == len(set(said)) <= 2, f"one ticket reply, nothing repeated after it: {said}"
    follow = text_of(rasa.say(user, "cấp lại bản sao bằng tốt nghiệp cần giấy gì"))
    assert "Hồ sơ thủ tục" in follow, "and the conversation goes on"
    [ticket] = rows(db_url, TicketRow, user)
    assert ticket.question == question


def test_a_doubtful_yes_sends_nothing_to_the_staff(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    assert "/request_handoff" in payloads(rasa.say(user, "<b>trường</b> có cho nghỉ học ngày mưa bão không"))
    reply = rasa.say(user, "'; DROP TABLE events; --")
    assert "HT-" not in text_of(reply), "a message read as 'yes' at low confidence is no consent"
    assert "/request_handoff" in payloads(reply), "the offer stays on screen, to tap"
    assert rows(db_url, TicketRow, user, wait=0.5) == []


def test_a_catalogue_question_read_as_the_classroom_is_answered(rasa: RasaServer) -> None:
    reply = text_of(rasa.say(sender(), "hs tieu hoc co dc mien hoc phi ko"))
    assert "học phí" in reply.lower() and "bài học ngắn" not in reply, reply


def test_the_lesson_menu_refused_for_a_chat_id_is_a_polite_reply(rasa: RasaServer) -> None:
    reply = text_of(rasa.say("u9", "/classroom"))
    assert "bài học đang tạm gián đoạn" in reply, reply


def test_typed_no_declines_the_handoff_offer(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    assert "/request_handoff" in payloads(rasa.say(user, "trường có bắt học sinh mặc đồng phục vào thứ bảy không"))
    reply = text_of(rasa.say(user, "thoi khong can dau"))
    assert "HT-" not in reply and reply.strip()
    assert rows(db_url, TicketRow, user, wait=0.5) == []


def test_emoji_only_gets_a_polite_prompt_with_choices(rasa: RasaServer) -> None:
    reply = rasa.say(sender(), "🙏🙏👍")
    assert "anh/chị" in text_of(reply).lower()
    assert "/list_procedures" in payloads(reply), "offers something to choose instead of a bare 'yes'"


def test_a_question_instead_of_a_comment_is_answered(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    rasa.say(user, QUESTION)
    assert "góp ý thêm" in text_of(rasa.say(user, '/rate{"rating": 5}'))
    reply = text_of(rasa.say(user, "con em muốn chuyển trường thì cần hồ sơ gì ạ"))
    assert "ghi nhận đánh giá" in reply and "Chuyển trường" in reply, reply
    [rating] = rows(db_url, RatingRow, user)
    assert (rating.score, rating.comment) == (5, None), "the question is not stored as a comment"


def test_a_dossier_code_instead_of_a_comment_starts_the_lookup(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    rasa.say(user, QUESTION)
    assert "góp ý thêm" in text_of(rasa.say(user, '/rate{"rating": 4}'))
    reply = text_of(rasa.say(user, "cho mình kiểm tra hồ sơ 000.00.31.H26-260112-0003 với"))
    assert "ghi nhận đánh giá" in reply and "4 số cuối" in reply, reply
    [rating] = rows(db_url, RatingRow, user)
    assert (rating.score, rating.comment) == (4, None), "the code is not stored as a comment"


def test_typed_stars_count_as_a_rating(rasa: RasaServer, db_url: str) -> None:
    user = sender()
    rasa.say(user, QUESTION)
    assert "góp ý thêm" in text_of(rasa.say(user, "cho 4 sao nhe"))
    rasa.say(user, "không cảm ơn")
    assert [r.score for r in rows(db_url, RatingRow, user)] == [4]
