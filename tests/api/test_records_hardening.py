"""Turn batches survive a malformed turn and an API outage; slugs and ticket codes cannot steer API URLs."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import pathlib
import sqlite3
import time
from collections.abc import Iterator

import httpx
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import func, select

import actions.records_client as records_client
from actions.http import path_part, slug_or_none
from api.admin.exports import Table, safe_cell, to_csv, to_xlsx
from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.dossiers.demo import seed_demo
from api.dossiers.models import DossierRow, LookupGuardRow, SubscriptionRow
from api.notifications.models import NotificationRow
from api.ratelimit import RateLimitRow
from api.records import service
from api.records.models import ConversationRow, TurnRow
from api.records.retention import purge
from api.settings import Settings
from tests import servers
from tests.api import records_servers as rs

BATCH = "/api/v1/records/turns/batch"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    return rs.fresh_db(tmp_path_factory.mktemp("records-hardening"), catalogue)


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    with rs.api(db, logdir, "api-records-hardening") as base:
        yield base


def turn(sender: str, **extra: object) -> dict[str, object]:
    return {"sender": sender, "text": "hỏi lệ phí", "intent": "ask_fee", "answered": True, **extra}


def turns_of(db: str, prefix: str) -> int:
    with session_factory(db)() as s:
        query = select(func.count()).select_from(TurnRow).join(ConversationRow).where(ConversationRow.sender.like(prefix + "%"))
        return int(s.scalar(query) or 0)


def test_one_malformed_turn_does_not_cost_the_batch(url: str, db: str) -> None:
    body = {
        "turns": [
            turn("web:batch-1"),
            turn("web:" + "x" * 400),  # sender too long
            turn("web:batch-2", procedure_slug="../admin"),  # not a slug
            {"sender": "web:batch-3"},  # fields missing
            turn("web:batch-4", procedure_slug="cap_lai_van_bang"),
        ]
    }
    response = httpx.post(f"{url}{BATCH}", json=body, headers=rs.internal())
    assert response.status_code == 201, response.text
    assert response.json() == {"recorded": 2, "rejected": [1, 2, 3]}
    assert turns_of(db, "web:batch-") == 2


def test_slugs_and_ticket_codes_are_validated_by_the_api(url: str) -> None:
    rating = {"sender": "web:r", "score": 5, "procedure_slug": '=HYPERLINK("http://x")'}
    assert httpx.post(f"{url}/api/v1/ratings", json=rating, headers=rs.internal()).status_code == 422
    ticket = {"sender": "web:t", "question": "hỏi", "procedure_slug": "../../admin"}
    assert httpx.post(f"{url}/api/v1/tickets", json=ticket, headers=rs.internal()).status_code == 422
    assert httpx.get(f"{url}/api/v1/tickets/HT-%2E%2E%2Fadmin").status_code == 404


def test_path_part_quotes_and_refuses_dot_segments() -> None:
    assert path_part("a/b?c#d") == "a%2Fb%3Fc%23d"
    assert path_part("cap_lai_van_bang") == "cap_lai_van_bang"
    for bad in ("", ".", ".."):
        with pytest.raises(ValueError):
            path_part(bad)
    assert slug_or_none("cap_lai_van_bang") == "cap_lai_van_bang"
    assert slug_or_none("../admin") is None and slug_or_none("=1+1") is None and slug_or_none(None) is None


def test_exported_cells_cannot_become_formulas() -> None:
    values = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Tin nhắn", "—", -5, 3.5]
    table = Table("t", "=title", ["=h", "ok"], [values])
    assert [safe_cell(v) for v in values[:6]] == ["'" + str(v) for v in values[:6]]
    book = load_workbook(io.BytesIO(to_xlsx([table])))
    cells = next(iter(book["t"].iter_rows(min_row=3, values_only=False)))
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells][6:] == ["Tin nhắn", "—", -5, 3.5]
    assert book["t"]["A1"].value == "'=title"
    csv_text = to_csv([table]).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'@SUM" in csv_text and ",-5," in csv_text
    assert not any(line.startswith(("=", "+", "@")) for line in csv_text.splitlines())


def test_records_client_keeps_turns_through_an_api_outage(db: str, logdir: pathlib.Path) -> None:
    port = servers.free_port()

    async def scenario() -> tuple[int, int, list[str]]:
        client = records_client.RecordsClient(f"http://127.0.0.1:{port}", rs.INTERNAL)
        for i in range(3):
            client.record_turn(f"web:outage-{i}", "hỏi", "ask_fee", "cap_lai_van_bang", None, True)
        client.record_turn("web:outage-3", "hỏi", "ask_fee", "../admin", "=1+1", True)  # bad slugs sent as None
        await asyncio.sleep(2)
        while_down = client.pending
        unknown = await client.ticket("../../api/v1/admin")  # refused before any request (the API is down anyway)
        with rs.api(db, logdir, "api-records-outage", port=port):
            deadline = time.monotonic() + 45
            while client.pending and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
        await client.http.close()
        return while_down, client.pending, [] if unknown is None else ["requested"]

    while_down, after, requested = asyncio.run(scenario())
    assert while_down == 4, "the batch stayed queued while the API was down"
    assert after == 0 and requested == []
    assert turns_of(db, "web:outage-") == 4


def test_records_client_queue_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records_client, "MAX_PENDING", 5)

    async def scenario() -> tuple[int, int]:
        client = records_client.RecordsClient("http://127.0.0.1:9", "")
        for i in range(8):
            client.record_turn(f"web:bounded-{i}", "hỏi", None, None, None, True)
        pending, dropped = client.pending, client.dropped
        if client._flusher is not None:
            client._flusher.cancel()
        await client.http.close()
        return pending, dropped

    assert asyncio.run(scenario()) == (5, 3)


def test_purge_covers_every_table_with_conversation_data(tmp_path: pathlib.Path, catalogue: Catalogue) -> None:
    db = rs.fresh_db(tmp_path, catalogue)
    current = dt.datetime.now(dt.UTC)
    old = current - dt.timedelta(days=400)
    with session_factory(db)() as s:
        seed_demo(s)
        dossier_id = s.scalars(select(DossierRow.id)).first()
        service.record_turn(s, "web:long-running", "câu hỏi năm ngoái", "ask_fee", None, None, True, at=old)
        service.record_turn(s, "web:long-running", "câu hỏi hôm nay", "ask_fee", None, None, True, at=current)
        service.add_rating(s, "web:long-running", 2, None, None, at=old)
        service.add_feedback(s, "web:long-running", "feedback", "góp ý cũ", at=old)
        service.create_ticket(s, "web:long-running", "hỏi cũ", None, at=old)
        service.record_turn(s, "web:gone", "cũ", "ask_fee", None, None, True, at=old)
        s.add_all([
            NotificationRow(recipient="web:long-running", kind="status", text="cũ", created_at=old),
            NotificationRow(recipient="web:long-running", kind="status", text="mới", created_at=current),
            SubscriptionRow(dossier_id=dossier_id, recipient="web:gone", created_at=old),
            SubscriptionRow(dossier_id=dossier_id, recipient="web:long-running", created_at=current),
            LookupGuardRow(key="ip:192.0.2.1", failures=3, strikes=1, locked_until=old, updated_at=old),
            LookupGuardRow(key="sender:web:x", failures=1, strikes=0, locked_until=None, updated_at=current),
            RateLimitRow(key="login-address:192.0.2.1", count=2, expires_at=old.timestamp()),
            RateLimitRow(key="login-address:192.0.2.2", count=2, expires_at=current.timestamp() + 300),
        ])  # fmt: skip
        s.commit()
    tracker = tmp_path / "tracker.db"
    with sqlite3.connect(tracker) as conn:
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp FLOAT, data TEXT)")
        rows = [("web:long-running", old.timestamp()), ("web:long-running", current.timestamp()), ("web:gone", old.timestamp())]
        conn.executemany("INSERT INTO events (sender_id, timestamp, data) VALUES (?, ?, '{}')", rows)
    counts = purge(Settings(database_url=db, tracker_db_url=f"sqlite:///{tracker}", retention_days=365))
    assert counts == {
        "turns": 2, "ratings": 1, "feedback": 1, "tickets": 1, "conversations": 1, "notifications": 1,
        "dossier_subscriptions": 1, "dossier_lookup_guards": 1, "rate_limits": 1, "practice_dossiers": 0,
        "dossiers_practice": 0, "tracker_events": 2,
    }  # fmt: skip
    with session_factory(db)() as s:
        assert [t for (t,) in s.execute(select(TurnRow.text))] == ["câu hỏi hôm nay"], "the old turn of a live conversation went"
        assert [r for (r,) in s.execute(select(ConversationRow.sender))] == ["web:long-running"]
        assert [r for (r,) in s.execute(select(SubscriptionRow.recipient))] == ["web:long-running"]
        assert [r for (r,) in s.execute(select(LookupGuardRow.key))] == ["sender:web:x"]
    with sqlite3.connect(tracker) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (1,)
