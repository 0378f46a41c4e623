"""The action server over HTTP against the real API (and against a dead one)."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from tests import servers

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.rasa


def domain() -> dict[str, Any]:
    """The domain files merged as Rasa sends them to the action server (responses and slots suffice)."""
    merged: dict[str, Any] = {"responses": {}, "slots": {}, "intents": [], "entities": []}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8"))
        merged["responses"].update(part.get("responses", {}))
        merged["slots"].update(part.get("slots", {}))
        merged["intents"] += part.get("intents", [])
        merged["entities"] += part.get("entities", [])
    return merged


def run_action(
    url: str,
    intent: str,
    text: str,
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Call action_answer the way Rasa does and return the action server's JSON answer."""
    tracker = {
        "sender_id": "action-test",
        "slots": {"procedure_slug": None, "last_aspect": None, "topic_slug": None, "field": None, **(slots or {})},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []},
        "events": events or [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {
        "next_action": "action_answer",
        "sender_id": "action-test",
        "tracker": tracker,
        "domain": domain(),
        "version": "3.6.21",
    }
    response = httpx.post(f"{url}/webhook", json=body, timeout=30)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def reply_text(result: dict[str, Any]) -> str:
    """All texts of the action's responses."""
    return "\n".join(r.get("text") or "" for r in result["responses"])


def slot_events(result: dict[str, Any]) -> dict[str, Any]:
    """Slots the action set."""
    return {e["name"]: e["value"] for e in result["events"] if e["event"] == "slot"}


def test_the_choices_offered_last_hold_until_an_answer_sets_a_focus(actions_url: str) -> None:
    def slot(name: str, value: Any) -> dict[str, Any]:
        return {"event": "slot", "name": name, "value": value}

    shown = slot("offered_choices", ["procedure:xin_hoc_lai", "procedure:chuyen_truong_thpt"])
    focus = slot("procedure_slug", "ban_sao_van_bang_tu_so_goc")
    held_before = {"procedure_slug": focus["value"], "offered_choices": shown["value"]}
    again = run_action(actions_url, "ask_documents", "cần những giấy tờ gì ạ", slots=held_before, events=[focus, shown])
    titles = [b["title"] for r in again["responses"] for b in r.get("buttons") or []]
    assert titles[:2] == ["Tiếp nhận học sinh xin học lại", "Chuyển trường và tiếp nhận học sinh"], titles
    held = {"procedure_slug": focus["value"], "offered_choices": shown["value"]}  # as Rasa sends them, beside the events
    answered = run_action(actions_url, "ask_documents", "cần những giấy tờ gì ạ", slots=held, events=[shown, focus])
    assert "Hồ sơ thủ tục «Cấp bản sao văn bằng, chứng chỉ từ sổ gốc» gồm" in reply_text(answered)
    assert "offered_choices" not in slot_events(answered), "an answer stores no event to clear them"


def test_a_case_the_record_does_not_cover_is_said_so_and_keeps_the_focus(actions_url: str) -> None:
    focus = {"event": "slot", "name": "procedure_slug", "value": "xin_hoc_lai"}
    slots = {"procedure_slug": "xin_hoc_lai", "last_aspect": "where"}
    result = run_action(actions_url, "nlu_fallback", "lỡ thầy hiệu trưởng không đồng ý thì sao ạ", slots=slots, events=[focus])
    text = reply_text(result)
    assert "không nói đến trường hợp này" in text and "Tiếp nhận học sinh xin học lại" in text, text
    assert "Cơ quan giải quyết" not in text, "the card in focus is not repeated as if it answered"
    assert "procedure_slug" not in slot_events(result), "the focus stays for the next question"
    payloads = [b["payload"] for r in result["responses"] for b in r.get("buttons") or []]
    assert "/request_handoff" in payloads, "the staff are offered"


def test_an_unknown_fee_says_once_where_to_look(actions_url: str) -> None:
    text = reply_text(run_action(actions_url, "ask_fee", "chuyển trường cho con có tốn phí gì không em"))
    assert "Em chưa có mức phí" in text
    assert text.lower().count("xem trang") == 1, text


def test_fee_answer_sets_slots_and_cites_source(actions_url: str) -> None:
    result = run_action(actions_url, "ask_fee", "phí xin bản sao bằng tốt nghiệp từ sổ gốc là bao nhiêu")
    assert slot_events(result) == {
        "procedure_slug": "ban_sao_van_bang_tu_so_goc", "last_aspect": "fee", "rating_asked": True, "handoff_question": None,
    }  # fmt: skip
    assert result["responses"][-1]["response"] == "utter_ask_rating", "a resolved question is followed by the rating prompt"
    text = reply_text(result)
    assert "Nguồn:" in text
    assert result["responses"][0]["buttons"]


def test_follow_up_without_procedure_uses_slot(actions_url: str) -> None:
    result = run_action(actions_url, "ask_processing_time", "mất mấy ngày ạ", slots={"procedure_slug": "xin_hoc_lai"})
    assert "Thời hạn giải quyết" in reply_text(result)
    assert slot_events(result)["procedure_slug"] == "xin_hoc_lai"


def test_two_aspects_asked_at_once_get_both_facts(actions_url: str) -> None:
    result = run_action(actions_url, "ask_documents", "học lại cho con cần những giấy tờ nào và bao lâu có kết quả")
    text = reply_text(result)
    assert 0 <= text.index("Hồ sơ thủ tục") < text.index("Thời hạn giải quyết"), "each fact in the order asked"
    titles = [b["title"] for b in result["responses"][0]["buttons"]]
    assert titles and not any("Giấy tờ" in t or "bao lâu" in t.lower() for t in titles), titles


def test_a_second_call_in_the_same_turn_waits_for_the_user(actions_url: str) -> None:
    """Rasa's fallback may call action_answer again after it answered: it hands the turn back instead of repeating."""
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "thu tuc chuyen truong", "parse_data": {}},
        {"event": "action", "name": "action_answer"},
        {"event": "bot", "text": "..."},
    ]
    result = run_action(actions_url, "inform_procedure", "thu tuc chuyen truong", events=events)
    assert result["responses"] == []
    assert [e["name"] for e in result["events"] if e["event"] == "followup"] == ["action_listen"]
    fresh = run_action(actions_url, "inform_procedure", "thu tuc chuyen truong", events=events[:1])
    assert fresh["responses"], "the first call of a turn answers"


def test_question_without_any_procedure_asks_which(actions_url: str) -> None:
    result = run_action(actions_url, "ask_documents", "cần giấy tờ gì ạ")
    assert "thủ tục nào" in reply_text(result)
    assert len(result["responses"][0]["buttons"]) >= 2


def test_how_online_without_procedure_explains_general_steps(actions_url: str) -> None:
    result = run_action(actions_url, "ask_how_online", "nộp online như thế nào")
    assert "Nguồn:" in reply_text(result)


def test_online_only_list(actions_url: str) -> None:
    result = run_action(actions_url, "ask_online_only", "những thủ tục nào bắt buộc nộp trực tuyến")
    text = reply_text(result)
    assert "trực tuyến" in text


@pytest.fixture(scope="module")
def dead_api_actions_url(logdir: pathlib.Path) -> Iterator[str]:
    """An action server whose API is down (nothing listens on the port)."""
    port, dead = servers.free_port(), servers.free_port()
    env = servers.base_env(DVC_API_URL=f"http://127.0.0.1:{dead}")
    with servers.service("actions-dead-api", servers.actions_args(port), env, f"http://127.0.0.1:{port}/health", logdir, 120):
        yield f"http://127.0.0.1:{port}"


def test_dead_api_gets_apology_not_crash(dead_api_actions_url: str) -> None:
    result = run_action(dead_api_actions_url, "ask_fee", "lệ phí chuyển trường")
    text = reply_text(result)
    assert "tạm gián đoạn" in text and "thử lại sau" in text


def test_topic_answer_leads_on_to_its_procedures(actions_url: str) -> None:
    picked = [{"entity": "topic_slug", "value": "learning_cost_support"}]
    result = run_action(actions_url, "ask_topic", "/ask_topic", entities=picked)
    payloads = [b["payload"] for b in result["responses"][0]["buttons"]]
    assert '/ask_overview{"procedure_slug": "ho_tro_chi_phi_hoc_tap_cong_lap"}' in payloads
    assert slot_events(result)["topic_slug"] == "learning_cost_support"


def test_topic_answered_since_the_procedure_settles_a_doubt(actions_url: str) -> None:
    text = "thế thì đăng ký dự thi ở chỗ nào"
    alone = run_action(actions_url, "ask_where_submit", text)
    assert "procedure_slug" not in slot_events(alone), "without context two exam registrations are close"
    history = [
        {"event": "slot", "name": "procedure_slug", "value": "xin_hoc_lai"},
        {"event": "slot", "name": "topic_slug", "value": "exam_calendar"},
    ]
    slots = {"procedure_slug": "xin_hoc_lai", "topic_slug": "exam_calendar"}
    after = run_action(actions_url, "ask_where_submit", text, slots=slots, events=history)
    assert slot_events(after)["procedure_slug"] == "dang_ky_du_thi_tot_nghiep_thpt", "the exam calendar leads to it"
    stale = run_action(actions_url, "ask_where_submit", text, slots=slots, events=history[::-1])
    assert slot_events(stale).get("procedure_slug") != "dang_ky_du_thi_tot_nghiep_thpt", "an older topic no longer narrows"


def test_out_of_scope_intent_still_answers_what_the_catalogue_holds(actions_url: str) -> None:
    held = run_action(actions_url, "out_of_scope", "cho hỏi lịch thi tốt nghiệp thpt năm nay thế nào")
    assert slot_events(held).get("topic_slug") == "exam_calendar", "the classifier's guess does not hide the topic"
    other = run_action(actions_url, "out_of_scope", "giá vé xe khách đi Huế bao nhiêu")
    assert "ngoài phạm vi" in reply_text(other) and "topic_slug" not in slot_events(other)


def test_where_names_the_sos_counter_only_for_procedures_handled_there(actions_url: str) -> None:
    office = "Trung tâm Phục vụ hành chính công"
    school = run_action(actions_url, "ask_where_submit", "thế thì nộp ở chỗ nào", slots={"procedure_slug": "chuyen_truong_thpt"})
    assert "Trường" in reply_text(school) and office not in reply_text(school), "a school's procedure is not the Sở's"
    slots = {"procedure_slug": "cong_nhan_van_bang_pho_thong_nuoc_ngoai"}
    province = run_action(actions_url, "ask_where_submit", "thế thì nộp ở chỗ nào", slots=slots)
    assert office in reply_text(province), "the Sở's own procedure names its counter"
