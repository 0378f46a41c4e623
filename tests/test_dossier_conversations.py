"""Dossier lookup end to end over the REST channel: Rasa → action server → API (seeded through the integration PUT)."""

from __future__ import annotations

import datetime as dt
import pathlib
import random
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests import servers
from tests.conftest import INTEGRATION_TOKEN, INTERNAL_TOKEN, RasaServer
from tests.test_actions import domain
from tests.test_conversations import buttons_of, text_of

pytestmark = pytest.mark.rasa
PHONE = "0912345678"
TODAY = dt.date.today()


def new_code() -> str:
    """A fresh well-formed code, so tests never share a dossier or a lockout."""
    return f"000.00.31.H26-{TODAY:%y%m%d}-{random.randint(1000, 9999)}"


def seed(api_url: str, code: str, **fields: Any) -> None:
    """Upsert a dossier the way the one-stop system does."""
    body = {
        "procedure_code": "3.000465", "status": "in_progress", "received_at": (TODAY - dt.timedelta(days=3)).isoformat(),
        "due_at": (TODAY + dt.timedelta(days=5)).isoformat(), "applicant_name": "Nguyễn Văn Thử", "applicant_phone": PHONE,
        **fields,
    }  # fmt: skip
    response = httpx.put(
        f"{api_url}/api/v1/dossiers/{code}", json=body, headers={"Authorization": f"Bearer {INTEGRATION_TOKEN}"}, timeout=10
    )
    assert response.status_code in (200, 201), response.text


def sender(channel: str = "web") -> str:
    """A fresh conversation id on a channel."""
    return f"{channel}:{uuid.uuid4()}"


def slots(rasa: RasaServer, user: str) -> dict[str, Any]:
    """The conversation's slots, through Rasa's HTTP API."""
    response = httpx.get(f"{rasa.url}/conversations/{user}/tracker", params={"token": rasa.token}, timeout=10)
    response.raise_for_status()
    result: dict[str, Any] = response.json()["slots"]
    return result


def test_happy_path_asks_code_then_digits_and_answers_in_plain_vietnamese(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(api_url, code)
    user = sender()
    assert "mã hồ sơ" in text_of(rasa.say(user, "tra cứu hồ sơ"))
    assert "4 số cuối" in text_of(rasa.say(user, code))
    reply = rasa.say(user, "5678")
    text = text_of(reply)
    assert code in text and "đang được giải quyết" in text
    assert "Cấp bản sao văn bằng" in text, "the procedure's name, not only its code"
    assert (TODAY + dt.timedelta(days=5)).strftime("%d/%m/%Y") in text
    assert {"/subscribe_dossier", "/unsubscribe_dossier"} <= {b["payload"] for b in buttons_of(reply)}
    state = slots(rasa, user)
    assert state["phone_last4"] is None, "the verification digits must not stay in a slot"
    assert state["last_dossier_code"] == code


def test_code_in_free_text_without_diacritics_asks_only_for_the_digits(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(api_url, code, status="needs_documents", missing_documents=["Bản sao giấy khai sinh"])
    loose = code.lower().replace("-", " ", 1)  # lower case, a dash left out
    user = sender()
    ask = text_of(rasa.say(user, f"ho so {loose} cua toi den dau roi ad"))
    assert "4 số cuối" in ask and code in ask
    text = text_of(rasa.say(user, "sdt cua em la 0912 345 678"))
    assert "cần bổ sung" in text and "Bản sao giấy khai sinh" in text


def test_malformed_code_gets_the_format_explained_and_is_asked_again(rasa: RasaServer) -> None:
    user = sender()
    rasa.say(user, "/lookup_dossier")
    text = text_of(rasa.say(user, "mã của em là 000.00.31.H26-2601"))
    assert "chưa đúng định dạng" in text and "000.00.31.H26-260112-0003" in text
    assert "mã hồ sơ" in text, "the form asks for the code again"


def test_unknown_code_and_wrong_digits_get_the_same_answer(rasa: RasaServer, api_url: str) -> None:
    known = new_code()
    seed(api_url, known)
    answers = []
    for code, digits in ((new_code(), "5678"), (known, "1111")):
        user = sender()
        rasa.say(user, code)
        answers.append(text_of(rasa.say(user, digits)))
        assert slots(rasa, user)["phone_last4"] is None
    assert answers[0] == answers[1]
    assert "chưa tìm thấy" in answers[0] and "0000 000 000" in answers[0]


def test_cancel_at_any_step_then_questions_work_again(rasa: RasaServer) -> None:
    for words in ("thôi", "/cancel", "khong tra nua"):
        user = sender()
        rasa.say(user, "tra cuu hs")
        assert "đã dừng" in text_of(rasa.say(user, words)), words
        assert slots(rasa, user)["requested_slot"] is None
    user = sender()
    rasa.say(user, new_code())  # at the digits step
    assert "đã dừng" in text_of(rasa.say(user, "huỷ"))
    after = text_of(rasa.say(user, "hồ sơ chuyển trường gồm những gì"))
    assert "huyển trường" in after


def test_overdue_dossier_apologises_with_the_hotline(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(
        api_url, code, received_at=(TODAY - dt.timedelta(days=30)).isoformat(), due_at=(TODAY - dt.timedelta(days=2)).isoformat()
    )
    user = sender()
    rasa.say(user, code)
    text = text_of(rasa.say(user, "5678"))
    assert "xin lỗi" in text and "0000 000 000" in text


def test_result_by_post_shows_the_tracking_number(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(api_url, code, status="result_ready", result_delivery="post", postal_tracking="EB123456789VN")
    user = sender()
    rasa.say(user, code)
    assert "EB123456789VN" in text_of(rasa.say(user, "5678"))


def notifications_for(api_url: str, recipient: str) -> list[dict[str, Any]]:
    """Undelivered Telegram notifications addressed to one chat."""
    response = httpx.get(
        f"{api_url}/api/v1/notifications",
        params={"channel": "telegram"},
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
        timeout=10,
    )
    response.raise_for_status()
    return [n for n in response.json() if n.get("recipient") == recipient]


def test_subscribe_then_unsubscribe(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(api_url, code)
    user = sender("telegram")  # a Telegram chat speaks through the gateway channel
    rasa.say(user, "tra cứu hồ sơ " + code, channel="gateway")
    rasa.say(user, "5678", channel="gateway")
    assert "em sẽ nhắn" in text_of(rasa.say(user, "/subscribe_dossier", channel="gateway"))
    seed(api_url, code, status="result_ready")
    assert notifications_for(api_url, user), "a status change reaches the subscribed chat"
    assert "đã huỷ thông báo" in text_of(rasa.say(user, "/unsubscribe_dossier", channel="gateway"))
    before = len(notifications_for(api_url, user))
    seed(api_url, code, status="result_returned")
    assert len(notifications_for(api_url, user)) == before


def test_subscribe_without_a_lookup_explains_what_to_do(rasa: RasaServer) -> None:
    assert "chưa tra cứu hồ sơ nào" in text_of(rasa.say(sender(), "/subscribe_dossier"))


@pytest.fixture(scope="module")
def dead_api_actions(logdir: pathlib.Path) -> Iterator[str]:
    """An action server whose API is a closed port."""
    port = servers.free_port()
    env = servers.base_env(DVC_API_URL=f"http://127.0.0.1:{servers.free_port()}", DVC_INTERNAL_TOKEN=INTERNAL_TOKEN)
    with servers.service("actions-dead-api", servers.actions_args(port), env, f"http://127.0.0.1:{port}/health", logdir, 120):
        yield f"http://127.0.0.1:{port}"


def test_dead_api_gets_an_apology_and_the_digits_are_dropped(dead_api_actions: str) -> None:
    tracker = {
        "sender_id": "web:dead-api",
        "slots": {"dossier_code": "000.00.31.H26-260112-0003", "phone_last4": "5678"},
        "latest_message": {"text": "5678", "intent": {"name": "nlu_fallback"}, "entities": []},
        "events": [], "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "dossier_form",
    }  # fmt: skip
    body = {"next_action": "action_lookup_dossier", "sender_id": "web:dead-api", "tracker": tracker, "domain": domain()}
    response = httpx.post(f"{dead_api_actions}/webhook", json=body, timeout=30)
    response.raise_for_status()
    result = response.json()
    text = "\n".join(r.get("text") or "" for r in result["responses"])
    assert "tạm gián đoạn" in text and "thử lại" in text
    assert {"event": "slot", "name": "phone_last4", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in result["events"]
    ]


def test_the_conversation_that_verified_a_code_keeps_access_while_strangers_lock_it(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(api_url, code)
    applicant, stranger = sender(), sender()
    rasa.say(applicant, "tra cứu hồ sơ")
    rasa.say(applicant, code)
    assert code in text_of(rasa.say(applicant, "5678"))
    for i in range(5):  # guesses from invented conversations lock the code for everyone else
        body = {"code": code, "phone_last4": f"{i:04d}", "sender": sender()}
        httpx.post(f"{api_url}/api/v1/dossiers/lookup", json=body, headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"})
    rasa.say(stranger, "tra cứu hồ sơ")
    rasa.say(stranger, code)
    locked = text_of(rasa.say(stranger, "5678"))
    assert "tạm khoá" in locked and "đường dây nóng" in locked, "the locked reply points to the hotline"
    rasa.say(applicant, "tra cứu hồ sơ")
    rasa.say(applicant, code)
    again = text_of(rasa.say(applicant, "5678"))
    assert code in again and "đang được giải quyết" in again, "the applicant's own conversation still gets its answer"


def test_typed_yes_under_the_notification_offer_subscribes_once(rasa: RasaServer, api_url: str) -> None:
    code = new_code()
    seed(api_url, code)
    user = sender("telegram")
    rasa.say(user, "cho mình xem hồ sơ " + code, channel="gateway")
    shown = rasa.say(user, "5678", channel="gateway")
    assert "/subscribe_dossier" in {b["payload"] for b in buttons_of(shown)}
    reply = rasa.say(user, "dạ có ạ", channel="gateway")
    said = [m.get("text") for m in reply]
    assert "em sẽ nhắn" in text_of(reply) and len(said) == len(set(said)), said
    seed(api_url, code, status="result_ready")
    assert notifications_for(api_url, user), "the typed yes subscribed the chat"
