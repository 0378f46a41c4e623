"""Reminders delivered: the real API's outbox → each gateway adapter (fake Telegram and fake Zalo servers on loopback)
→ the subscribed chat, once, within the channel's quota; the widget's chat finds it in its inbox on return."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
from collections.abc import Iterator

import httpx
import pytest

from api.calendar.reminders import due_reminders
from api.catalogue.loader import Catalogue
from api.db import session_factory
from tests.api import records_servers as rs
from tests.gateway.adapters import Adapter, running_adapter

NO_RASA = "http://127.0.0.1:9"
# 29/3/2027 09:00 in Vietnam: the province's grade-10 admission plan is due by 31/3/2027 (a sourced, yearly rule).
NOW = dt.datetime(2027, 3, 29, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    """A migrated database with the catalogue and calendar (and the staff account records_servers makes)."""
    return rs.fresh_db(tmp_path_factory.mktemp("reminders-delivery"), catalogue)


@pytest.fixture(scope="module")
def outbox_api(db: str, logdir: pathlib.Path) -> Iterator[str]:
    """The real API, its calendar clock pinned to NOW, no scheduler of its own (the test runs it)."""
    pinned = NOW.isoformat()
    with rs.api(db, logdir, "api-reminders-delivery", DVC_CALENDAR_NOW=pinned, DVC_REMINDER_INTERVAL_SECONDS="0") as url:
        yield url


@pytest.fixture(scope="module", params=["telegram", "zalo"])
def adapter(request: pytest.FixtureRequest) -> Iterator[Adapter]:
    """Each gateway adapter with its fake platform."""
    with running_adapter(request.param) as running:
        yield running


def subscribe(url: str, recipient: str) -> None:
    body = {"recipient": recipient, "event_key": "grade10_plan"}
    r = httpx.post(f"{url}/api/v1/reminders", json=body, headers=rs.internal())
    assert r.status_code == 201, r.text


async def test_a_reminder_is_pushed_once(adapter: Adapter, outbox_api: str, db: str) -> None:
    chat = adapter.new_chat()
    subscribe(outbox_api, f"{adapter.channel}:{chat}")
    with session_factory(db)() as session:
        assert due_reminders(session, NOW) >= 1
        assert due_reminders(session, NOW + dt.timedelta(hours=2)) == 0  # queued once
    async with adapter.running(NO_RASA, dvc_api_url=outbox_api, dvc_internal_token=rs.INTERNAL):
        await adapter.wait_for(lambda: len(adapter.texts(chat)) >= 1, timeout=20)
        await asyncio.sleep(0.8)  # a few more rounds: acknowledged, so never sent again
    [text] = adapter.texts(chat)
    assert "kế hoạch tuyển sinh lớp 10" in text and "31/03/2027" in text and "còn 2 ngày" in text
    assert "dichvucong.gov.vn" in text  # its source
    counts = httpx.get(f"{outbox_api}/api/v1/reminders", params={"recipient": f"{adapter.channel}:{chat}"}, headers=rs.internal())
    assert [e["key"] for e in counts.json()] == ["grade10_plan"]


def test_the_widget_finds_its_reminder_on_return(outbox_api: str, db: str) -> None:
    recipient = "web:5b0c7e2a-1d2e-4f00-9a00-00000000c0de"
    subscribe(outbox_api, recipient)
    with session_factory(db)() as session:
        assert due_reminders(session, NOW) == 1
    inbox = httpx.get(f"{outbox_api}/api/v1/inbox/{recipient.removeprefix('web:')}")
    assert inbox.status_code == 200, inbox.text
    texts = [m["text"] for m in inbox.json()]
    assert len(texts) == 1 and "31/03/2027" in texts[0]
    assert httpx.get(f"{outbox_api}/api/v1/inbox/{recipient.removeprefix('web:')}").json() == []  # shown once
