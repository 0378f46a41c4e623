"""Recording endpoints over real HTTP: internal token, masking, validation, the handoff round trip, purge."""

from __future__ import annotations

import datetime as dt
import pathlib
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text

from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.records import service
from tests import servers
from tests.api import records_servers as rs

PHONE, CCCD, EMAIL = "0912 345 678", "001203004567", "phu.huynh@example.com"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[tuple[str, str]]:
    db = rs.fresh_db(tmp_path_factory.mktemp("records"), catalogue)
    with rs.api(db, logdir, "api-records") as url:
        yield url, db


def test_internal_endpoints_need_the_token(env: tuple[str, str]) -> None:
    url, _ = env
    bodies = {
        "/api/v1/records/turns": {"sender": "web:x", "text": "a", "intent": "greet", "answered": True},
        "/api/v1/records/turns/batch": {"turns": [{"sender": "web:x", "text": "a", "intent": "greet", "answered": True}]},
        "/api/v1/ratings": {"sender": "web:x", "score": 5},
        "/api/v1/feedback": {"sender": "web:x", "kind": "feedback", "text": "a"},
        "/api/v1/tickets": {"sender": "web:x", "question": "a"},
    }
    for path, body in bodies.items():
        assert httpx.post(url + path, json=body).status_code == 401, path
        assert httpx.post(url + path, json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401, path


def test_a_batch_keeps_each_turn_time_and_refuses_only_the_malformed_turn(env: tuple[str, str]) -> None:
    url, db = env
    sender = f"web:{uuid.uuid4()}"
    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    turns = [
        {"sender": sender, "text": f"câu {i} gọi {PHONE}", "intent": "ask_fee", "answered": i == 0, "at": at.isoformat()}
        for i in range(2)
    ]
    bad = [*turns, {"sender": sender, "text": "x" * 6000, "intent": "ask_fee", "answered": True}]
    response = httpx.post(f"{url}/api/v1/records/turns/batch", json={"turns": bad}, headers=rs.internal())
    assert response.status_code == 201 and response.json() == {"recorded": 2, "rejected": [2]}
    with create_engine(db).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.at, t.answered, t.text FROM turns t JOIN conversations c ON c.id = t.conversation_id"
                " WHERE c.sender = :s"
            ),
            {"s": sender},
        ).all()
    assert len(rows) == 2, "the two good turns are stored, the malformed one is not"
    assert all(str(r.at).startswith("2026-03-02 01:30") for r in rows)
    assert sorted(r.answered for r in rows) == [0, 1] and all("[SĐT]" in r.text and PHONE not in r.text for r in rows)


def test_a_batch_orders_turns_and_marks_each_senders_first_turn_of_a_local_day(env: tuple[str, str]) -> None:
    url, db = env
    known, new = f"web:{uuid.uuid4()}", f"telegram:{uuid.uuid4().int % 10**9}"
    day1 = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vietnam
    day2 = day1 + dt.timedelta(days=1)

    def turn(sender: str, at: dt.datetime, text: str) -> dict[str, object]:
        return {"sender": sender, "text": text, "intent": "ask_fee", "answered": True, "at": at.isoformat()}

    first = httpx.post(f"{url}/api/v1/records/turns", json=turn(known, day1, "một"), headers=rs.internal())
    assert first.status_code == 201
    batch = [  # out of order on purpose: the API orders by time
        turn(known, day2, "bốn"),
        turn(new, day2 + dt.timedelta(minutes=5), "sáu"),
        turn(known, day1 + dt.timedelta(hours=1), "hai"),
        turn(new, day2, "năm"),
        turn(known, day1 + dt.timedelta(hours=18), "ba"),  # 03:00 the next local day
    ]
    response = httpx.post(f"{url}/api/v1/records/turns/batch", json={"turns": batch}, headers=rs.internal())
    assert response.status_code == 201 and response.json() == {"recorded": 5, "rejected": []}
    with create_engine(db).connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.sender, t.text, t.opens_day, t.channel FROM turns t JOIN conversations c ON c.id = t.conversation_id"
                " WHERE c.sender IN (:a, :b) ORDER BY t.at, t.id"
            ),
            {"a": known, "b": new},
        ).all()
        seen: dict[str, object] = dict(
            conn.execute(
                text("SELECT sender, last_seen FROM conversations WHERE sender IN (:a, :b)"), {"a": known, "b": new}
            ).all()
        )
    opens = {r.text: bool(r.opens_day) for r in rows}
    assert opens == {"một": True, "hai": False, "ba": True, "bốn": False, "năm": True, "sáu": False}
    assert {r.channel for r in rows if r.sender == new} == {"telegram"}
    assert str(seen[known]).startswith("2026-04-02 02:00") and str(seen[new]).startswith("2026-04-02 02:05")


def test_turn_text_is_masked_in_the_database_and_logs(env: tuple[str, str], logdir: pathlib.Path) -> None:
    url, db = env
    message = f"Số em {PHONE}, CCCD {CCCD}, mail {EMAIL}, hồ sơ 000.00.31.H26-260112-0003"
    body = {
        "sender": "telegram:42",
        "text": message,
        "intent": "ask_fee",
        "procedure_slug": None,
        "topic_slug": None,
        "answered": False,
    }
    response = httpx.post(f"{url}/api/v1/records/turns", json=body, headers=rs.internal())
    assert response.status_code == 201
    ticket = httpx.post(f"{url}/api/v1/tickets", json={"sender": "telegram:42", "question": message}, headers=rs.internal())
    assert ticket.status_code == 201
    dump = "\n".join(sqlite3.connect(db.removeprefix("sqlite:///")).iterdump())
    for secret in (PHONE, "0912345678", CCCD, EMAIL):
        assert secret not in dump
    assert "Số em [SĐT], CCCD [CCCD], mail [EMAIL], hồ sơ 000.00.31.H26-260112-0003" in dump
    assert "telegram" in dump  # the channel was recorded
    logs = (logdir / "api-records.log").read_text(encoding="utf-8", errors="replace")
    assert PHONE not in logs and CCCD not in logs and EMAIL not in logs


def test_bad_input_is_refused_and_nothing_is_stored(env: tuple[str, str]) -> None:
    url, _ = env
    for score in (0, 6):
        response = httpx.post(f"{url}/api/v1/ratings", json={"sender": "web:y", "score": score}, headers=rs.internal())
        assert response.status_code == 422
    bad_kind = httpx.post(f"{url}/api/v1/feedback", json={"sender": "web:y", "kind": "spam", "text": "x"}, headers=rs.internal())
    assert bad_kind.status_code == 422
    ok = httpx.post(
        f"{url}/api/v1/ratings", json={"sender": "web:y", "score": 4, "comment": f"gọi {PHONE}"}, headers=rs.internal()
    )
    assert ok.status_code == 201


def test_unknown_ticket_is_404_with_a_vietnamese_message(env: tuple[str, str]) -> None:
    url, _ = env
    response = httpx.get(f"{url}/api/v1/tickets/HT-ZZZZZZZZ")
    assert response.status_code == 404
    assert "mã câu hỏi" in response.json()["detail"]


def test_handoff_round_trip(env: tuple[str, str]) -> None:
    url, _ = env
    sender = "telegram:777"
    created = httpx.post(
        f"{url}/api/v1/tickets", json={"sender": sender, "question": "Em cần hỏi về hồ sơ chuyển trường", "procedure_slug": None},
        headers=rs.internal(),
    )  # fmt: skip
    assert created.status_code == 201
    code = created.json()["ticket"]
    assert code.startswith("HT-") and len(code) == 11
    assert httpx.get(f"{url}/api/v1/tickets/{code.lower()}").json()["status"] == "open"

    staff = rs.login(url, rs.STAFF, rs.PASSWORD)
    page = staff.get("/admin/tickets")
    assert page.status_code == 200 and code in page.text and "chuyển trường" in page.text
    ticket_id = int(page.text.split(f'id="{code}"')[1].split("/admin/tickets/")[1].split("/")[0])
    no_csrf = staff.post(f"/admin/tickets/{ticket_id}/answer", data={"answer": "Dạ, anh/chị nộp tại bộ phận một cửa."})
    assert no_csrf.status_code == 403
    answered = staff.post(
        f"/admin/tickets/{ticket_id}/answer",
        data={"answer": "Dạ, anh/chị nộp tại bộ phận một cửa.", "csrf_token": rs.csrf_in(page.text)},
    )
    assert answered.status_code == 303

    outbox = httpx.get(f"{url}/api/v1/notifications", params={"channel": "telegram"}, headers=rs.internal()).json()
    items = outbox if isinstance(outbox, list) else outbox.get("notifications", outbox.get("items", []))
    mine = [n for n in items if n["recipient"] == sender]
    assert len(mine) == 1 and mine[0]["kind"] == "staff_answer"
    assert "nộp tại bộ phận một cửa" in mine[0]["text"] and code in mine[0]["text"]

    staff.close()
    shown = httpx.get(f"{url}/api/v1/tickets/{code}").json()
    assert shown["status"] == "answered" and shown["answer"] == "Dạ, anh/chị nộp tại bộ phận một cửa."
    assert shown["answered_at"] is not None


def test_feedback_answer_reaches_the_web_inbox(env: tuple[str, str]) -> None:
    url, _ = env
    session_id = str(uuid.uuid4())
    created = httpx.post(
        f"{url}/api/v1/feedback", json={"sender": f"web:{session_id}", "kind": "complaint", "text": "Trang web chậm quá"},
        headers=rs.internal(),
    )  # fmt: skip
    assert created.status_code == 201
    item_id = created.json()["id"]
    staff = rs.login(url, rs.STAFF, rs.PASSWORD)
    page = staff.get("/admin/feedback")
    assert "Trang web chậm quá" in page.text
    response = staff.post(
        f"/admin/feedback/{item_id}/answer", data={"answer": "Sở đã nâng cấp máy chủ.", "csrf_token": rs.csrf_in(page.text)}
    )
    staff.close()
    assert response.status_code == 303
    inbox = httpx.get(f"{url}/api/v1/inbox/{session_id}").json()
    texts = [n["text"] for n in (inbox if isinstance(inbox, list) else inbox.get("notifications", inbox.get("items", [])))]
    assert any("nâng cấp máy chủ" in t for t in texts)


def test_purge_deletes_old_conversations_and_tracker_events(env: tuple[str, str], tmp_path: pathlib.Path) -> None:
    _, db = env
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    with session_factory(db)() as session:
        service.record_turn(session, "web:old-one", "câu hỏi cũ", "ask_fee", None, None, True, at=old)
        service.add_rating(session, "web:old-one", 3, None, None, at=old)
        service.record_turn(session, "web:recent", "câu hỏi mới", "ask_fee", None, None, True)
    tracker = tmp_path / "tracker.db"
    engine = create_engine(f"sqlite:///{tracker}")
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp FLOAT, data TEXT)")
        )
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('web:old-one', 'user', :t, '{}')"),
            {"t": old.timestamp()},
        )
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('web:old-one', 'bot', :t, '{}')"),
            {"t": old.timestamp()},
        )
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('web:recent', 'user', :t, '{}')"),
            {"t": dt.datetime.now(dt.UTC).timestamp()},
        )
    engine.dispose()
    env_vars = servers.base_env(DVC_DATABASE_URL=db, DVC_TRACKER_DB_URL=f"sqlite:///{tracker}", DVC_RETENTION_DAYS="365")
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "purge"], env=env_vars, capture_output=True, text=True, cwd=servers.ROOT, check=True
    )
    assert "conversations=1" in result.stdout and "turns=1" in result.stdout and "ratings=1" in result.stdout
    assert "tracker_events=2" in result.stdout
    with sqlite3.connect(tracker) as conn:
        assert [r[0] for r in conn.execute("SELECT sender_id FROM events")] == ["web:recent"]
    with session_factory(db)() as session:
        senders = {s for (s,) in session.execute(text("SELECT sender FROM conversations"))}
    assert "web:old-one" not in senders and "web:recent" in senders
