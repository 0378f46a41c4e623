"""A teacher's class over the real API: the join code, students joining by nickname, a scripted class of 30 working
through lessons, the report's figures (JSON, CSV, page), wrong and closed codes, and teachers seeing only their classes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest
from sqlalchemy import update

from api.admin.auth import upsert_user
from api.catalogue.loader import Catalogue
from api.cli import migrate
from api.db import session_factory
from api.lessons import classes, service
from api.lessons.loader import read_lessons, sync_lessons
from api.lessons.models import ClassSessionRow
from api.settings import ROOT
from tests.api import records_servers as rs

OTHER_TEACHER = "giaovien2"
BOT = "dvc_thu_bot"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    url = rs.fresh_db(tmp_path_factory.mktemp("classroom"), catalogue)
    with session_factory(url)() as session:
        sync_lessons(session, read_lessons(ROOT / "kb" / "lessons", catalogue.sources))
        upsert_user(session, OTHER_TEACHER, rs.PASSWORD, "teacher")
    return url


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    with rs.api(db, logdir, "api-classroom", DVC_REMINDER_INTERVAL_SECONDS="0", DVC_TELEGRAM_BOT_USERNAME=BOT) as base:
        yield base


def new_class(url: str, user: str, title: str) -> str:
    response = httpx.post(f"{url}/api/v1/classes", json={"title": title, "minutes": 60}, auth=(user, rs.PASSWORD))
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def join(url: str, sender: str, code: str, nickname: str) -> dict[str, object]:
    body = {"recipient": sender, "code": code, "nickname": nickname}
    response = httpx.post(f"{url}/api/v1/classes/join", json=body, headers=rs.internal())
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def work_through(client: httpx.Client, sender: str, slug: str, right: list[bool]) -> dict[str, object]:
    """Open a lesson, read every step, answer each question right or wrong; the last answer's reply."""
    view = client.post(f"/api/v1/lessons/{slug}/show", json={"recipient": sender}).json()
    while view["kind"] == "step":
        view = client.post(f"/api/v1/lessons/{slug}/show", json={"recipient": sender, "move": "next"}).json()
    reply: dict[str, object] = {}
    for ok in right:
        assert view["kind"] == "question"
        reply = client.post(f"/api/v1/lessons/{slug}/answer", json={"recipient": sender, "choice": 0 if ok else 1}).json()
        assert reply["correct"] is ok
        view = reply["next"]
    assert view["kind"] == "finished"
    return reply


def test_a_class_of_thirty_and_its_report(url: str) -> None:
    code = new_class(url, rs.TEACHER, "Lớp 9A – ngoại khóa")
    assert len(code) == 6 and code.isupper()
    with httpx.Client(base_url=url, headers=rs.internal(), timeout=30) as client:
        for i in range(1, 31):
            sender = f"classroom:{code}-{i}"
            assert join(url, sender, code.lower(), f"Bạn số {i}")["status"] == "joined"  # codes read case-insensitively
            work_through(client, sender, "service_levels", [i % 3 != 0, i % 5 != 0])
            if i <= 10:
                work_through(client, sender, "pay_fees", [True, True])
        client.post("/api/v1/lessons/staying_safe/show", json={"recipient": "web:not-in-class"})  # outside any class
    report = httpx.get(f"{url}/api/v1/classes/{code}/report", auth=(rs.TEACHER, rs.PASSWORD)).json()
    students = {s["nickname"]: s for s in report["students"]}
    assert len(students) == 30 and report["open"] is True
    assert students["Bạn số 3"] == {"nickname": "Bạn số 3", "lessons_done": 2, "answered": 4, "correct": 3}
    assert students["Bạn số 15"] == {"nickname": "Bạn số 15", "lessons_done": 1, "answered": 2, "correct": 0}
    assert students["Bạn số 11"] == {"nickname": "Bạn số 11", "lessons_done": 1, "answered": 2, "correct": 2}
    assert sum(s["lessons_done"] for s in students.values()) == 40
    assert sum(s["correct"] for s in students.values()) == 80 - 10 - 6
    missed = [(m["question"], m["wrong"], m["answered"]) for m in report["most_missed"]]
    assert missed == [("full_online", 10, 30), ("levels_count", 6, 30)]
    exported = httpx.get(f"{url}/api/v1/classes/{code}/report", params={"format": "csv"}, auth=(rs.TEACHER, rs.PASSWORD))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Biệt danh" and len([r for r in rows[1:31] if r]) == 30
    assert ["service_levels", "Dịch vụ công “toàn trình” nghĩa là gì?", "10", "30"] in rows
    with closing(rs.login(url, rs.TEACHER, rs.PASSWORD)) as teacher:
        page = teacher.get(f"/admin/classes/{code}")
    assert page.status_code == 200 and code in page.text and "Bạn số 30" in page.text and "10 / 30" in page.text


def test_wrong_and_closed_codes_and_nicknames_that_identify(url: str, db: str) -> None:
    code = new_class(url, rs.TEACHER, "Lớp 9B")
    assert join(url, "classroom:x1", "ZZZZ99", "Mèo")["status"] == "unknown"
    assert join(url, "classroom:x1", code, "0912 345 678")["status"] == "bad_nickname"
    assert join(url, "classroom:x1", code, "meo@example.com")["status"] == "bad_nickname"
    assert join(url, "classroom:x1", code, "Mèo Con")["status"] == "joined"
    with session_factory(db)() as session:
        session.execute(
            update(ClassSessionRow)
            .where(ClassSessionRow.code == code)
            .values(closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
        session.commit()
    assert join(url, "classroom:x2", code, "Cún")["status"] == "closed"
    report = httpx.get(f"{url}/api/v1/classes/{code}/report", auth=(rs.TEACHER, rs.PASSWORD)).json()
    assert report["open"] is False and [s["nickname"] for s in report["students"]] == ["Mèo Con"]


def test_teachers_see_only_their_own_classes(url: str) -> None:
    mine = new_class(url, rs.TEACHER, "Lớp của cô Lan")
    theirs = new_class(url, OTHER_TEACHER, "Lớp của thầy Minh")
    listed = {c["code"] for c in httpx.get(f"{url}/api/v1/classes", auth=(OTHER_TEACHER, rs.PASSWORD)).json()}
    assert theirs in listed and mine not in listed
    assert httpx.get(f"{url}/api/v1/classes/{mine}/report", auth=(OTHER_TEACHER, rs.PASSWORD)).status_code == 404
    with closing(rs.login(url, OTHER_TEACHER, rs.PASSWORD)) as other:
        assert other.get(f"/admin/classes/{mine}").status_code == 404
        assert other.get(f"/admin/classes/{mine}.csv").status_code == 404
        assert mine not in other.get("/admin/classes").text
    admin = {c["code"] for c in httpx.get(f"{url}/api/v1/classes", auth=(rs.ADMIN, rs.ADMIN_PASSWORD)).json()}
    assert {mine, theirs} <= admin
    staff = httpx.post(f"{url}/api/v1/classes", json={"title": "Lớp thử"}, auth=(rs.STAFF, rs.PASSWORD))
    assert staff.status_code == 403
    assert httpx.get(f"{url}/api/v1/classes").status_code == 401


def test_a_teacher_opens_a_class_from_the_admin_page(url: str) -> None:
    with closing(rs.login(url, rs.TEACHER, rs.PASSWORD)) as teacher:
        page = teacher.get("/admin/classes")
        assert page.status_code == 200 and "Mở lớp mới" in page.text
        form = {"title": "Lớp 8C", "minutes": "45", "csrf_token": rs.csrf_in(page.text)}
        made = teacher.post("/admin/classes", data=form)
        assert made.status_code == 303 and made.headers["location"].startswith("/admin/classes/")
        shown = teacher.get(made.headers["location"])
        assert "Lớp 8C" in shown.text and "/hoc " in shown.text
        code = made.headers["location"].rsplit("/", 1)[1]
        assert f"https://t.me/{BOT}?start=hoc_{code}" in shown.text and "<svg" in shown.text  # the projector's QR code
        forged = teacher.post("/admin/classes", data={"title": "Lớp giả", "csrf_token": "x"})
        assert forged.status_code == 403
        assert join(url, "classroom:early", code, "Nai Vàng")["status"] == "joined"
        closed = teacher.post(f"/admin/classes/{code}/close", data={"csrf_token": rs.csrf_in(shown.text)})
        after = teacher.get(f"/admin/classes/{code}").text
        assert closed.status_code == 303 and "Đã đóng" in after and "<svg" not in after
    assert join(url, "classroom:late", code, "Nai Vàng")["status"] == "closed"


def test_the_same_class_on_postgresql(pg_url: str, catalogue: Catalogue) -> None:
    """Times with their zone (closing, open classes) and the report's counts, on the production database."""
    migrate(pg_url)
    now = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    with session_factory(pg_url)() as session:
        sync_lessons(session, read_lessons(ROOT / "kb" / "lessons", catalogue.sources))
        row = classes.create(session, "giaovien", "Lớp PG", 45, now)
        assert classes.join(session, "classroom:pg-1", row.code, "Mèo", now) == ("joined", "Lớp PG")
        view = service.show(session, "classroom:pg-1", "pay_fees", "open", now)
        while view is not None and view["kind"] == "step":
            view = service.show(session, "classroom:pg-1", "pay_fees", "next", now)
        assert view is not None and view["kind"] == "question"
        service.answer(session, "classroom:pg-1", "pay_fees", 1, now)
        service.answer(session, "classroom:pg-1", "pay_fees", 0, now)
        report = classes.report(session, row, now + dt.timedelta(minutes=10))
        assert report["students"] == [{"nickname": "Mèo", "lessons_done": 1, "answered": 2, "correct": 1}]
        assert [m["question"] for m in report["most_missed"]] == ["postal_fee"]
        later = now + dt.timedelta(minutes=46)
        assert classes.join(session, "classroom:pg-2", row.code, "Cún", later) == ("closed", "Lớp PG")
        assert service.open_class(session, "classroom:pg-1", later) is None
