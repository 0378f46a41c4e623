"""The calendar questions over REST, against the real API on loopback with its clock pinned."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.catalogue.loader import Catalogue
from tests.api.dossier_servers import api, fresh_db

TODAY = "2026-12-07T09:00:00+07:00"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue, logdir: pathlib.Path) -> Iterator[str]:
    """An API whose calendar clock reads 7/12/2026, 09:00 in Vietnam (no reminder scheduler)."""
    db = fresh_db(tmp_path_factory.mktemp("calendar"), catalogue)
    with api(db, logdir, "api-calendar", DVC_CALENDAR_NOW=TODAY, DVC_REMINDER_INTERVAL_SECONDS="0") as base:
        yield base


def ask(url: str, **params: str) -> dict[str, Any]:
    """GET /api/v1/calendar."""
    r = httpx.get(f"{url}/api/v1/calendar", params=params)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("Khi nào thì đăng ký dự thi tốt nghiệp vậy ạ?", "graduation_exam_registration"),
        ("han phuc khao toi bao gio", "graduation_remarking"),
        ("bao giờ con em được thi vào lớp 10", "grade10_admission"),
        ("hạn nộp đơn hỗ trợ chi phí học tập", "learning_cost_support"),
    ],
)
def test_a_question_gets_its_window_with_source(url: str, question: str, key: str) -> None:
    found = ask(url, q=question)
    assert found["school_year"] == "2026-2027" and found["today"] == "2026-12-07"
    first = found["events"][0]
    assert first["key"] == key
    assert first["sources"] and first["sources"][0]["url"]
    assert first["school_year"] == "2026-2027"


def test_an_unpublished_window_says_so_and_labels_last_year(url: str) -> None:
    first = ask(url, q="đăng ký thi tốt nghiệp")["events"][0]
    assert first["status"] == "not_published"
    assert first["start"] is None and first["end"] is None
    assert first["reference"] == {
        "school_year": "2025-2026",
        "event": "Đăng ký dự thi tốt nghiệp THPT năm 2026",
        "start": "2026-04-24",
        "end": "2026-05-05",
        "verified": False,
        "sources": first["reference"]["sources"],
    }


def test_by_procedure_and_a_published_deadline(url: str) -> None:
    events = ask(url, procedure="tuyen_sinh_lop_10")["events"]
    plan = next(e for e in events if e["key"] == "grade10_plan")
    assert (plan["end"], plan["status"], plan["verified"], plan["days_to_end"]) == ("2027-03-31", "open", True, 114)
    assert {e["procedure"] for e in events} == {"tuyen_sinh_lop_10"}


def test_last_year_on_request_and_bad_input(url: str) -> None:
    last = ask(url, year="2025-2026", q="phúc khảo")["events"][0]
    assert (last["start"], last["end"], last["status"]) == ("2026-07-01", "2026-07-10", "closed")
    assert httpx.get(f"{url}/api/v1/calendar", params={"year": "2026"}).status_code == 422
    assert ask(url, q="lịch đá bóng")["events"] == []
