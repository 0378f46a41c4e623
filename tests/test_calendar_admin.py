"""The admin calendar page: staff set a window's dates (bound to its year, with a source), their name and the date are
recorded, the API answers with the new dates, and the page counts subscriptions and delivered reminders."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from collections.abc import Iterator

import httpx
import pytest

from api.calendar.reminders import due_reminders
from api.catalogue.loader import Catalogue, load_catalogue
from api.db import session_factory
from api.notifications.service import take_for_recipient
from tests.api import records_servers as rs

PINNED = "2026-12-07T09:00:00+07:00"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> str:
    """A database with the catalogue, the calendar and the staff and teacher accounts."""
    return rs.fresh_db(tmp_path_factory.mktemp("calendar-admin"), catalogue)


@pytest.fixture(scope="module")
def url(db: str, logdir: pathlib.Path) -> Iterator[str]:
    with rs.api(db, logdir, "api-calendar-admin", DVC_CALENDAR_NOW=PINNED, DVC_REMINDER_INTERVAL_SECONDS="0") as base:
        yield base


def row_id(html: str, event: str) -> int:
    """The id of the row showing `event`."""
    match = re.search(r'<tr id="e(\d+)">\s*<td><b>' + re.escape(event), html)
    assert match, event
    return int(match.group(1))


def test_staff_set_dates_with_a_source_and_their_name_is_recorded(url: str, db: str, catalogue: Catalogue) -> None:
    staff = rs.login(url, rs.STAFF, rs.PASSWORD)
    page = staff.get("/admin/calendar")
    assert page.status_code == 200 and "Năm học 2026-2027 (hiện tại)" in page.text
    event = "Đăng ký dự thi tốt nghiệp THPT năm 2027"
    eid, csrf = row_id(page.text, event), rs.csrf_in(page.text)
    form = {"start": "2027-04-20", "end": "2027-04-30", "csrf_token": csrf}
    refused = staff.post(f"/admin/calendar/{eid}", data=form)  # no source for a new date
    assert refused.status_code == 303 and "error=" in refused.headers["location"]
    wrong_year = staff.post(f"/admin/calendar/{eid}", data={**form, "start": "2026-04-24", "source": "CV 1/BGDĐT"})
    assert "error=" in wrong_year.headers["location"]  # last year's date refused in this year's window
    saved = staff.post(f"/admin/calendar/{eid}", data={**form, "source": "Công văn 123/BGDĐT-QLCL (thử)"})
    assert saved.status_code == 303 and "done=" in saved.headers["location"]
    page = staff.get("/admin/calendar")
    assert f"Sửa bởi {rs.STAFF}, 2026-12-07" in page.text or f"Sửa bởi {rs.STAFF}, {dt.date.today()}" in page.text
    found = httpx.get(f"{url}/api/v1/calendar", params={"q": "đăng ký thi tốt nghiệp"}).json()["events"][0]
    assert (found["start"], found["end"], found["status"], found["edited_by"]) == (
        "2027-04-20",
        "2027-04-30",
        "upcoming",
        rs.STAFF,
    )
    assert found["sources"][0]["url"] == "Công văn 123/BGDĐT-QLCL (thử)"
    with session_factory(db)() as session:  # make load keeps the edit while the file's entry is unchanged
        load_catalogue(session, catalogue)
    again = httpx.get(f"{url}/api/v1/calendar", params={"q": "đăng ký thi tốt nghiệp"}).json()["events"][0]
    assert again["start"] == "2027-04-20"
    staff.close()


def test_page_counts_subscriptions_and_deliveries(url: str, db: str) -> None:
    recipient = "web:9d7e4b1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
    body = {"recipient": recipient, "event_key": "grade6_plan"}
    assert httpx.post(f"{url}/api/v1/reminders", json=body, headers=rs.internal()).status_code == 201
    with session_factory(db)() as session:
        assert due_reminders(session, dt.datetime(2027, 3, 29, 2, tzinfo=dt.UTC)) >= 1
        assert len(take_for_recipient(session, recipient)) == 1  # the widget showed it
    staff = rs.login(url, rs.STAFF, rs.PASSWORD)
    html = staff.get("/admin/calendar").text
    eid = row_id(html, "Hạn công bố kế hoạch tuyển sinh lớp 6 năm học 2027–2028")
    row = html.split(f'<tr id="e{eid}">')[1].split("</tr>")[0]
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["1", "1 / 1"]
    staff.close()
    teacher = rs.login(url, rs.TEACHER, rs.PASSWORD)
    assert teacher.get("/admin/calendar").status_code == 403  # staff and admin only
    teacher.close()
