"""End to end over the REST channel: Rasa (model trained from this repo) → action server → API → SQLite."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import RasaServer

pytestmark = pytest.mark.rasa


def sender() -> str:
    """A fresh conversation id."""
    return f"test-{uuid.uuid4().hex[:10]}"


def text_of(messages: list[dict[str, object]]) -> str:
    """All bot texts of one turn, joined."""
    return "\n".join(str(m.get("text", "")) for m in messages)


def buttons_of(messages: list[dict[str, object]]) -> list[dict[str, str]]:
    """All buttons of one turn."""
    out: list[dict[str, str]] = []
    for m in messages:
        out.extend(m.get("buttons", []) or [])  # type: ignore[arg-type]
    return out


def test_documents_question_without_diacritics_names_procedure_and_source(rasa: RasaServer) -> None:
    reply = rasa.say(sender(), "e can lam lai ban sao bang tot nghiep c3 thi phai chuan bi giay to j a")
    text = text_of(reply)
    assert "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc" in text
    assert "Phiếu đề nghị" in text
    assert "Nguồn:" in text and "Căn cứ:" in text
    assert buttons_of(reply), "an answer ends with buttons for the next questions"


def test_follow_ups_keep_the_procedure_and_switch_on_request(rasa: RasaServer) -> None:
    user = sender()
    first = text_of(rasa.say(user, "thủ tục phúc khảo bài thi tốt nghiệp cần những gì vậy ạ"))
    assert "Phúc khảo" in first or "phúc khảo" in first
    follow = text_of(rasa.say(user, "thế mất bao lâu thì có kết quả ạ"))
    assert "Thời hạn giải quyết" in follow and "húc khảo" in follow
    switch = text_of(rasa.say(user, "còn chuyển trường thì sao?"))
    assert "Thời hạn giải quyết" in switch, "the aspect asked last carries over"
    assert "huyển trường" in switch


def test_button_payload_answers_aspect_for_given_procedure(rasa: RasaServer) -> None:
    user = sender()
    reply = rasa.say(user, '/ask_fee{"procedure_slug": "ban_sao_van_bang_tu_so_goc"}')
    text = text_of(reply)
    assert "phí" in text.lower() and "Cấp bản sao văn bằng" in text
    assert all(b["payload"].startswith("/") for b in buttons_of(reply))


def test_unverified_procedure_is_labelled(rasa: RasaServer) -> None:
    user = sender()
    reply = rasa.say(user, "cho hỏi thủ tục cấp phép hoạt động giáo dục kỹ năng sống nộp ở đâu")
    choice = [b["payload"] for b in buttons_of(reply) if "giao_duc_ky_nang_song" in b["payload"]]
    if "thủ tục nào" in text_of(reply):  # offered as one of close matches: pick it
        reply = rasa.say(user, choice[0])
    assert "CHƯA được xác nhận" in text_of(reply)


def test_unknown_procedure_is_not_guessed(rasa: RasaServer) -> None:
    reply = rasa.say(sender(), "thủ tục xin giấy phép xây dựng nhà ở nông thôn cần giấy tờ gì")
    text = text_of(reply)
    assert "Hồ sơ thủ tục «" not in text, "must not answer for a procedure the user did not name"
    assert "0000 000 000" in text or "phạm vi" in text


def test_general_topic_answer(rasa: RasaServer) -> None:
    text = text_of(rasa.say(sender(), "dich vu buu chinh cong ich la gi vay ad"))
    assert "bưu chính công ích" in text.lower()
    assert "Nguồn:" in text


def test_list_procedures_offers_fields(rasa: RasaServer) -> None:
    reply = rasa.say(sender(), "sở mình đang giải quyết những loại thủ tục nào vậy")
    assert len(buttons_of(reply)) >= 3


def test_greeting_and_bot_challenge_use_one_voice(rasa: RasaServer) -> None:
    user = sender()
    hello = text_of(rasa.say(user, "chào em"))
    assert "anh/chị" in hello and "Em" in hello
    who = text_of(rasa.say(user, "bạn là máy hay người thật thế"))
    assert "trợ lý tự động" in who


@pytest.mark.parametrize(
    "message",
    [
        "bằng " * 2500,  # 10 000 characters
        "😀😀🎉🙏",
        "<script>alert('x')</script>",
        "'; DROP TABLE procedures; --",
        "<img src=x onerror=alert(1)> chuyen truong",
    ],
    ids=["10k-chars", "emoji-only", "script", "sql", "img-onerror"],
)
def test_bad_input_gets_polite_reply_without_echo(rasa: RasaServer, message: str) -> None:
    reply = rasa.say(sender(), message)
    text = text_of(reply)
    assert reply and text.strip(), "always a reply"
    assert "<script" not in text and "<img" not in text and "onerror" not in text and "DROP TABLE" not in text
    assert "anh/chị" in text.lower() or "«" in text, "a polite message or a real answer"


def test_very_long_message_asks_to_shorten(rasa: RasaServer) -> None:
    text = text_of(rasa.say(sender(), "cho em hỏi về chuyển trường " * 400))
    assert "ngắn gọn" in text


def test_database_untouched_by_sql_fragment(rasa: RasaServer) -> None:
    rasa.say(sender(), "'; DROP TABLE procedures; --")
    text = text_of(rasa.say(sender(), "xin hoc lai can ho so gi"))
    assert "học lại" in text.lower()


def test_ambiguous_procedure_offers_top_three_with_the_same_question(rasa: RasaServer) -> None:
    reply = rasa.say(sender(), "làm thủ tục văn bằng thì cần giấy tờ gì")
    text, buttons = text_of(reply), buttons_of(reply)
    assert "thủ tục nào" in text
    assert 2 <= len(buttons) <= 3
    procedures = [b for b in buttons if not b["payload"].startswith("/ask_topic{")]  # a close topic may be offered too
    assert procedures and all(b["payload"].startswith("/ask_documents{") for b in procedures), "the choice keeps the question"
    chosen = text_of(rasa.say(sender(), procedures[0]["payload"]))
    assert "Hồ sơ thủ tục «" in chosen or "danh sách giấy tờ" in chosen
