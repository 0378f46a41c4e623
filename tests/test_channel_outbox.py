"""The outbox as gateways use it: one lease per message across processes, failures retried with backoff or set aside
with their reason, each channel's quota from the registry, and the admin page that says what was not delivered."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from api.catalogue.loader import Catalogue
from api.cli import migrate
from api.db import session_factory
from api.notifications import delivery
from api.notifications.models import NotificationRow
from api.notifications.service import enqueue, pending_for_channel
from api.records.service import conversation_for
from tests.api import records_servers as rs
from textnorm.channels import Registry, registry


@pytest.fixture()
def db(tmp_path: pathlib.Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'outbox.db'}"
    migrate(url)
    return session_factory(url)


def queue(factory: sessionmaker[Session], *recipients: str) -> list[int]:
    with factory() as s:
        rows = [enqueue(s, r, "dossier_status", f"Hồ sơ của {r} đã có kết quả.") for r in recipients]
        s.commit()
        return [r.id for r in rows]


def with_zalo(**changes: object) -> Registry:
    """The registry with Zalo's quota changed (the test's plan)."""
    reg = registry()
    zalo = dataclasses.replace(next(c for c in reg.channels if c.name == "zalo"), **changes)  # type: ignore[arg-type]
    return dataclasses.replace(reg, channels=tuple(zalo if c.name == "zalo" else c for c in reg.channels))


def test_two_gateway_processes_never_take_the_same_message(db: sessionmaker[Session]) -> None:
    ids = queue(db, *(f"telegram:{n}" for n in range(40)))
    taken: dict[str, list[int]] = {}

    def worker(owner: str) -> None:
        with db() as s:
            taken[owner] = [r.id for r in delivery.lease(s, "telegram", owner, 60, limit=40)]

    threads = [threading.Thread(target=worker, args=(f"gw{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for got in taken.values() for i in got]
    assert sorted(everything) == ids  # each message leased exactly once
    with db() as s:
        assert delivery.lease(s, "telegram", "late", 60) == []  # all held


def test_an_expired_lease_frees_the_message(db: sessionmaker[Session]) -> None:
    [nid] = queue(db, "zalo:a1")
    with db() as s:
        conversation_for(s, "zalo:a1")  # wrote just now: inside the reply window
        s.commit()
        assert [r.id for r in delivery.lease(s, "zalo", "first", 0.0)] == [nid]
        assert [r.id for r in delivery.lease(s, "zalo", "second", 60)] == [nid]  # first's lease is over
        assert delivery.lease(s, "zalo", "third", 60) == []


def test_temporary_failures_back_off_then_give_up(db: sessionmaker[Session]) -> None:
    [nid] = queue(db, "telegram:7")
    with db() as s:
        delivery.lease(s, "telegram", "gw", 60)
        assert delivery.fail(s, nid, "rate_limited", retry_after=30)
        row = s.get(NotificationRow, nid)
        assert row is not None and row.next_attempt_at is not None and row.failed_at is None
        wait = row.next_attempt_at.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(seconds=25) < wait <= dt.timedelta(seconds=30)  # the platform's retry_after, not 2 s
        assert delivery.lease(s, "telegram", "gw", 60) == []  # not before its time
        assert [r.id for r in pending_for_channel(s, "telegram")] == [nid]  # still pending
        for _ in range(delivery.MAX_ATTEMPTS):
            delivery.fail(s, nid, "platform_error")
        s.refresh(row)
        assert row.failed_at is not None and row.failure_reason == "gave_up"
        assert pending_for_channel(s, "telegram") == [] and not delivery.fail(s, 10_000, "blocked")


def test_blocked_is_set_aside_at_once(db: sessionmaker[Session]) -> None:
    [nid] = queue(db, "telegram:8")
    with db() as s:
        delivery.fail(s, nid, "blocked", detail="Forbidden: bot was blocked by the user")
        assert [r.failure_reason for r in delivery.undelivered(s)] == ["blocked"]


def test_zalo_quota_window_and_monthly_cap(db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "registry", lambda: with_zalo(reply_window_hours=48.0, monthly_push_cap=1))
    recent, old, silent1, silent2 = queue(db, "zalo:recent", "zalo:old", "zalo:silent1", "zalo:silent2")
    with db() as s:
        conversation_for(s, "zalo:recent")
        conversation_for(s, "zalo:old", at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=72))
        s.commit()
        leased = {r.id: r.proactive for r in delivery.lease(s, "zalo", "gw", 60)}
        assert leased == {recent: False, old: True}  # inside the window: free; outside: one of the month's one
        reasons = {r.id: r.failure_reason for r in delivery.undelivered(s)}
        assert reasons == {silent1: "monthly_cap", silent2: "monthly_cap"}
        assert delivery.quota_use(s)[0] == {"channel": "zalo", "window_hours": 48.0, "used": 1, "cap": 1}
    monkeypatch.setattr(delivery, "registry", lambda: with_zalo(reply_window_hours=48.0, monthly_push_cap=0))
    [later] = queue(db, "zalo:never-wrote")
    with db() as s:
        assert delivery.lease(s, "zalo", "gw", 60) == []
        assert s.get(NotificationRow, later).failure_reason == "outside_window"  # type: ignore[union-attr]


def test_every_reason_has_a_vietnamese_label() -> None:
    labels = delivery.reason_labels()
    assert set(delivery.REASONS) <= set(labels) and all(labels[r].strip() for r in delivery.REASONS)


@pytest.fixture(scope="module")
def api_url(catalogue: Catalogue, logdir: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with rs.api(rs.fresh_db(tmp_path_factory.mktemp("channel-outbox"), catalogue), logdir, "api-channel-outbox") as url:
        yield url


def test_the_admin_page_says_what_was_not_delivered_and_why(api_url: str) -> None:
    ticket = httpx.post(f"{api_url}/api/v1/tickets", json={"sender": "zalo:b10c4ed0", "question": "Hỏi về học bạ"},
                        headers=rs.internal())  # fmt: skip
    assert ticket.status_code == 201
    staff = rs.login(api_url, rs.STAFF, rs.PASSWORD)
    page = staff.get("/admin/tickets")
    code = ticket.json()["ticket"]
    ticket_id = int(page.text.split(f'id="{code}"')[1].split("/admin/tickets/")[1].split("/")[0])
    form = {"answer": "Dạ, anh/chị liên hệ trường cũ để xin học bạ.", "csrf_token": rs.csrf_in(page.text)}
    assert staff.post(f"/admin/tickets/{ticket_id}/answer", data=form).status_code == 303

    body = {"channel": "zalo", "owner": "gw-test", "seconds": 30}
    [item] = httpx.post(f"{api_url}/api/v1/notifications/lease", json=body, headers=rs.internal()).json()
    assert item["recipient"] == "zalo:b10c4ed0"
    assert httpx.post(f"{api_url}/api/v1/notifications/lease", json=body, headers=rs.internal()).json() == []
    bad = httpx.post(f"{api_url}/api/v1/notifications/{item['id']}/failed", json={"reason": "whatever"}, headers=rs.internal())
    assert bad.status_code == 422
    failed = {"reason": "blocked", "detail": "user blocked the bot"}
    notifications = f"{api_url}/api/v1/notifications"
    assert httpx.post(f"{notifications}/{item['id']}/failed", json=failed, headers=rs.internal()).status_code == 204
    assert httpx.post(f"{notifications}/lease", json={**body, "channel": "sms"}, headers=rs.internal()).status_code == 422

    shown = staff.get("/admin/undelivered")
    staff.close()
    assert shown.status_code == 200
    row = shown.text.split(f'id="notification-{item["id"]}"')[1].split("</tr>")[0]
    assert "Zalo" in row and "zalo:…ed0" not in row and "zalo:…4ed0" in row and "b10c4ed0" not in row
    assert 'data-reason="blocked"' in row and delivery.reason_labels()["blocked"] in row
    assert "Kênh Zalo: trả lời miễn phí trong 48 giờ" in shown.text and "tháng này: 0 / 2000" in shown.text  # failed: not counted
    teacher = rs.login(api_url, rs.TEACHER, rs.PASSWORD)
    assert teacher.get("/admin/undelivered").status_code in (403, 303)
    teacher.close()
