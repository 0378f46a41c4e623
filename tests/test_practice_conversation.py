"""A practice dossier through Rasa over REST: opened from the classroom menu or asked for in words, filled from the
procedure's real documents, looked up with the real lookup form, moved on by the student with the status notification
arriving in the web inbox, and never counted as a question about the procedure; the same entry on Telegram."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from typing import Any

import httpx
import yaml
from sqlalchemy import select

from api.db import session_factory
from api.records.models import ConversationRow, TurnRow
from api.records.reports import summary
from tests.conftest import INTERNAL_TOKEN, RasaServer
from tests.servers import ROOT
from tests.test_classroom_conversation import buttons_of, text_of

SLUG = "ban_sao_van_bang_tu_so_goc"


def step(choice: str) -> str:
    return "/practice_step" + json.dumps({"practice_choice": choice}, ensure_ascii=False)


def payloads(reply: list[dict[str, object]]) -> list[str]:
    return [b["payload"] for b in buttons_of(reply)]


def procedure_messages(db_url: str) -> int:
    """How many messages the Sở's report counts for the procedure practised."""
    today = dt.date.today()
    with session_factory(db_url)() as session:
        report = summary(session, today - dt.timedelta(days=1), today + dt.timedelta(days=1))
    return sum(int(p["messages"]) for p in report["per_procedure"] if p["procedure_slug"] == SLUG)


def turns_of(db_url: str, user: str, count: int, wait: float = 5.0) -> list[Any]:
    """The conversation's turn records once `count` are written (the action server posts them in the background)."""
    deadline = time.monotonic() + wait
    while True:
        with session_factory(db_url)() as session:
            conv = session.scalars(select(ConversationRow).where(ConversationRow.sender == user)).first()
            found = list(session.scalars(select(TurnRow).where(TurnRow.conversation_id == conv.id))) if conv else []
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_student_practises_a_dossier_then_looks_it_up_and_is_notified(rasa: RasaServer, api_url: str, db_url: str) -> None:
    counted_before = procedure_messages(db_url)
    session_id = str(uuid.uuid4())
    user = f"web:{session_id}"
    menu = rasa.say(user, "/classroom")
    assert "/practice" in payloads(menu)
    intro = rasa.say(user, "cho mình thực hành nộp một bộ hồ sơ nhé")  # typed, not a training sentence
    assert "giả định" in text_of(intro) and "CCCD" in text_of(intro) and "không tính vào số liệu" in text_of(intro)
    assert step(f"start:{SLUG}") in payloads(intro) and step("start:chuyen_truong_thpt") in payloads(intro)

    kb = yaml.safe_load((ROOT / "kb" / "procedures" / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    items = [d["item"] for d in kb["documents"]["items"]]
    reply = rasa.say(user, step(f"start:{SLUG}"))
    for number, item in enumerate(items, start=1):
        assert f"Giấy tờ {number}/{len(items)}: {item}" in text_of(reply)
        assert payloads(reply) == [step("attach"), step("skip")]
        reply = rasa.say(user, step("attach" if number == 1 else "skip"))
    assert step("online") in payloads(reply) and step("postal") in payloads(reply)
    digits_reply = rasa.say(user, step("online"))
    assert "không dùng số thật" in text_of(digits_reply)
    offered = [b["title"] for b in buttons_of(digits_reply)]
    assert "Mã hồ sơ" not in text_of(rasa.say(user, "số thật của mình là 0912 345 678 nhé"))  # only buttons submit
    assert len(offered) == 3 and all(re.fullmatch(r"\d{4}", d) for d in offered)
    submitted = text_of(rasa.say(user, step(offered[0])))
    found_code = re.search(r"Mã hồ sơ: (999\.00\.00\.T00-\d{6}-\d{4})", submitted)
    assert found_code and f"(giả định): {offered[0]}" in submitted and "Giấy tờ đính kèm: 1/3" in submitted
    code = found_code[1]

    assert "mã hồ sơ" in text_of(rasa.say(user, "/lookup_dossier"))
    assert "4 số cuối" in text_of(rasa.say(user, code.lower().replace("-", " ")))
    found = rasa.say(user, offered[0])
    assert f"Hồ sơ {code} (hồ sơ thực hành" in text_of(found) and "đã tiếp nhận" in text_of(found)
    assert "/subscribe_dossier" in payloads(found) and step("advance") in payloads(found)
    subscribed = rasa.say(user, "/subscribe_dossier")
    assert code in text_of(subscribed) and step("advance") in payloads(subscribed), "the office can go on from here"
    assert httpx.get(f"{api_url}/api/v1/inbox/{session_id}").json() == []

    moved = rasa.say(user, step("advance"))
    assert "Mô phỏng" in text_of(moved) and "đang được giải quyết" in text_of(moved)
    inbox = httpx.get(f"{api_url}/api/v1/inbox/{session_id}").json()
    assert len(inbox) == 1 and inbox[0]["text"].startswith("[Thực hành] Hồ sơ " + code)
    done = rasa.say(user, step("advance"))
    assert "đi hết một vòng" in text_of(done) and "/classroom" in payloads(done)
    assert "Đã có kết quả" in httpx.get(f"{api_url}/api/v1/inbox/{session_id}").json()[0]["text"]

    turns = turns_of(db_url, user, 12)  # menu, phone, 9 practice steps, lookup (its form's questions are not turns)
    assert sum(str(t.intent).startswith("practice") for t in turns) == 9
    assert any("[SĐT]" in t.text for t in turns) and not any("345" in t.text for t in turns), "masked when stored"
    turns = [t for t in turns if "[SĐT]" not in t.text]  # the phone typed was answered as a question of its own
    assert code in [t.text for t in turns], "the lookup's turn is recorded with the code"
    assert all(t.procedure_slug is None for t in turns), "a practice never counts as a question about the procedure"
    assert procedure_messages(db_url) == counted_before


def test_telegram_reaches_the_practice_through_the_classroom_menu(rasa: RasaServer, api_url: str) -> None:
    user = f"telegram:{uuid.uuid4().int % 10**9}"
    menu = rasa.say(user, "/classroom", channel="gateway")  # what /hoc becomes in the gateway
    assert "/practice" in payloads(menu)
    intro = rasa.say(user, "/practice", channel="gateway")
    first = rasa.say(user, step("start:chuyen_truong_thpt"), channel="gateway")
    assert step("start:chuyen_truong_thpt") in payloads(intro) and "Giấy tờ 1/3: Đơn xin chuyển trường" in text_of(first)
    headers = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    practice = httpx.post(f"{api_url}/api/v1/practice/step", json={"recipient": user, "choice": "skip"}, headers=headers)
    assert practice.json()["number"] == 2, "the API holds the chat's practice where the bot left it"
