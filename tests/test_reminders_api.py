"""Reminders: subscribe and cancel over REST (internal token, channel chat ids only), and `due_reminders` queueing
each reminder at the right time with the clock injected."""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from api.calendar.models import ReminderRow
from api.calendar.reminders import due_reminders, subscribe
from api.catalogue.loader import Catalogue
from api.db import session_factory
from api.notifications.models import NotificationRow
from tests.api.dossier_servers import api, fresh_db, internal

REMINDERS = "/api/v1/reminders"
VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    """A migrated database holding the catalogue and the calendar."""
    return fresh_db(tmp_path_factory.mktemp("reminders"), catalogue)


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    """The real API, its calendar clock at 7/12/2026 09:00 in Vietnam, no scheduler of its own."""
    pinned = "2026-12-07T09:00:00+07:00"
    with api(db, logdir, "api-reminders", DVC_CALENDAR_NOW=pinned, DVC_REMINDER_INTERVAL_SECONDS="0") as base:
        yield base


def test_subscribe_list_and_cancel(url: str) -> None:
    chat = "telegram:700100200"
    body = {"recipient": chat, "event_key": "graduation_exam_registration"}
    first = httpx.post(f"{url}{REMINDERS}", json=body, headers=internal())
    assert first.status_code == 201, first.text
    assert first.json()["subscribed"] is True and first.json()["event"]["status"] == "not_published"
    assert httpx.post(f"{url}{REMINDERS}", json=body, headers=internal()).status_code == 201  # idempotent
    body2 = {"recipient": chat, "event_key": "grade10_plan"}
    assert httpx.post(f"{url}{REMINDERS}", json=body2, headers=internal()).status_code == 201
    listed = httpx.get(f"{url}{REMINDERS}", params={"recipient": chat}, headers=internal()).json()
    assert [e["key"] for e in listed] == ["graduation_exam_registration", "grade10_plan"]
    assert listed[1]["end"] == "2027-03-31"
    gone = httpx.delete(f"{url}{REMINDERS}", params={"recipient": chat, "event_key": "grade10_plan"}, headers=internal())
    assert gone.json() == {"cancelled": 1}
    listed = httpx.get(f"{url}{REMINDERS}", params={"recipient": chat}, headers=internal()).json()
    assert [e["key"] for e in listed] == ["graduation_exam_registration"]
    assert httpx.delete(f"{url}{REMINDERS}", params={"recipient": chat}, headers=internal()).json() == {"cancelled": 1}
    assert httpx.get(f"{url}{REMINDERS}", params={"recipient": chat}, headers=internal()).json() == []


@pytest.mark.parametrize(
    ("recipient", "key", "headers", "status"),
    [
        ("telegram:700100201", "grade10_plan", {}, 401),  # no internal token
        ("sms:0912345678", "grade10_plan", None, 422),  # not a channel: no phone numbers taken
        ("telegram:not-a-chat", "grade10_plan", None, 422),  # not that channel's id format
        ("classroom:lop-10a", "grade10_plan", None, 422),  # a channel that cannot receive messages
        ("web:3f2a", "no_such_window", None, 404),
    ],
)
def test_refused_subscriptions(url: str, recipient: str, key: str, headers: dict[str, str] | None, status: int) -> None:
    body = {"recipient": recipient, "event_key": key}
    r = httpx.post(f"{url}{REMINDERS}", json=body, headers=internal() if headers is None else headers)
    assert r.status_code == status, r.text


def at(day: str, hour: int = 9) -> dt.datetime:
    """A moment in Vietnam."""
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=VN)


def reminder_texts(db: str, recipient: str) -> list[str]:
    with session_factory(db)() as session:
        query = select(NotificationRow.text).where(NotificationRow.recipient == recipient, NotificationRow.kind == "reminder")
        return list(session.scalars(query.order_by(NotificationRow.id)))


def test_reminders_go_out_before_opening_and_before_closing(db: str) -> None:
    chat, other = "zalo:remind-timing-1", "web:0a1b2c3d-0000-4000-8000-00000000abcd"
    with session_factory(db)() as session:
        # Phúc khảo 2026: 1/7 (results) to 10/7 (10 days), in the 2025-2026 school year.
        assert subscribe(session, chat, "graduation_remarking", at("2026-06-20"))["subscribed"]  # type: ignore[index]
        assert subscribe(session, other, "graduation_remarking", at("2026-06-20"))["subscribed"]  # type: ignore[index]
        schedule = [
            (at("2026-06-27"), 0),  # 4 days before it opens
            (at("2026-06-28", 6), 0),  # 3 days before, but 06:00: no pushes at night
            (at("2026-06-28"), 2),  # 3 days before it opens: both chats
            (at("2026-06-28", 15), 0),  # once per stage
            (at("2026-07-06"), 0),  # open, 4 days before it closes
            (at("2026-07-07"), 2),  # 3 days before it closes
            (at("2026-07-10"), 0),
            (at("2026-07-11"), 0),  # over
        ]
        for now, expected in schedule:
            assert due_reminders(session, now) == expected, now
    opens, closes = reminder_texts(db, chat)
    assert "01/07/2026" in opens and "10/07/2026" in opens and "phúc khảo" in opens
    assert "10/07/2026" in closes and "còn 3 ngày" in closes
    assert "chưa được xác nhận" in closes  # the results date is not confirmed by an official text


def test_a_cancelled_or_closed_window_gets_nothing(db: str) -> None:
    chat = "telegram:700100300"
    with session_factory(db)() as session:
        assert subscribe(session, chat, "graduation_exam", at("2026-06-01"))["subscribed"]  # type: ignore[index]
        row = session.scalar(select(ReminderRow).where(ReminderRow.recipient == chat))
        assert row is not None
        row.cancelled_at = at("2026-06-02")
        session.commit()
        assert due_reminders(session, at("2026-06-09")) == 0  # exam 11/6: would be due, but cancelled
        closed = subscribe(session, chat, "graduation_exam_registration", at("2026-06-01"))
        assert closed is not None and closed["subscribed"] is False and closed["reason"] == "closed"
    assert reminder_texts(db, chat) == []


def test_a_single_day_event_is_reminded_once(db: str) -> None:
    chat = "telegram:700100301"
    with session_factory(db)() as session:
        subscribe(session, chat, "graduation_results", at("2026-06-20"))
        assert due_reminders(session, at("2026-06-29")) >= 1
        assert due_reminders(session, at("2026-06-30")) == 0
    [text] = reminder_texts(db, chat)
    assert "bắt đầu từ ngày 01/07/2026." in text
