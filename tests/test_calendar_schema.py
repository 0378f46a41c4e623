"""The calendar's schema and its year binding: a date outside its school year is refused, and a window whose dates
are not published never shows last year's dates as this year's."""

from __future__ import annotations

import copy
import datetime as dt
import pathlib
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from api.calendar.loader import CalendarError, read_calendar
from api.calendar.schema import CalendarFile
from api.calendar.service import add_working_days, school_year_of, select_views, windows
from api.catalogue.loader import Catalogue
from api.settings import ROOT

KB = ROOT / "kb" / "calendar"
NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vietnam


def raw(year: str) -> dict[str, Any]:
    """A calendar file as YAML data."""
    data: dict[str, Any] = yaml.safe_load((KB / f"{year}.yaml").read_text(encoding="utf-8"))
    return data


def test_every_calendar_file_validates_with_known_sources(catalogue: Catalogue) -> None:
    assert set(catalogue.calendar) >= {"2025-2026", "2026-2027"}
    for cal in catalogue.calendar.values():
        for event in cal.events:
            assert event.sources, event.key
            assert set(event.sources) <= set(catalogue.sources)
            assert event.procedure is None or event.procedure in catalogue.procedures


def test_a_date_outside_its_school_year_is_refused() -> None:
    data = raw("2026-2027")
    data["events"][2]["start"] = dt.date(2026, 4, 24)  # last year's registration date put in this year's file
    data["events"][2]["end"] = dt.date(2026, 5, 5)
    with pytest.raises(ValidationError, match="outside the school year 2026-2027"):
        CalendarFile.model_validate(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sources": []}, "at least 1"),
        ({"start": dt.date(2027, 5, 5), "end": dt.date(2027, 4, 24)}, "end is before start"),
        ({"verified": True}, "verified: true needs"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_an_entry_must_be_sourced_and_consistent(change: dict[str, Any], message: str) -> None:
    data = raw("2026-2027")
    data["events"][2].update(change)
    with pytest.raises(ValidationError, match=message):
        CalendarFile.model_validate(data)


def test_the_file_name_is_its_year_and_sources_must_exist(tmp_path: pathlib.Path, catalogue: Catalogue) -> None:
    data = raw("2026-2027")
    (tmp_path / "2025-2026.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    names = (set(catalogue.sources), set(catalogue.procedures), set(catalogue.topics))
    with pytest.raises(CalendarError, match="file name must be its school year"):
        read_calendar(tmp_path, *names)
    (tmp_path / "2025-2026.yaml").unlink()
    bad = copy.deepcopy(data)
    bad["events"][0]["sources"] = ["NO_SUCH_SOURCE"]
    (tmp_path / "2026-2027.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CalendarError, match="unknown source 'NO_SUCH_SOURCE'"):
        read_calendar(tmp_path, *names)


def test_school_year_and_working_days() -> None:
    assert school_year_of(dt.date(2026, 12, 7)) == "2026-2027"
    assert school_year_of(dt.date(2027, 7, 31)) == "2026-2027"
    assert school_year_of(dt.date(2027, 8, 1)) == "2027-2028"
    assert add_working_days(dt.date(2025, 9, 5), 1) == dt.date(2025, 9, 5)  # a Friday counts itself
    assert add_working_days(dt.date(2025, 9, 5), 2) == dt.date(2025, 9, 8)  # then Monday


def _rows(catalogue: Catalogue) -> list[Any]:
    """Calendar rows as the loader stores them, without a database."""
    from api.calendar.loader import apply, document
    from api.calendar.models import CalendarEventRow

    out = []
    for year, cal in catalogue.calendar.items():
        for event in cal.events:
            row = CalendarEventRow(school_year=year, key=event.key, file_hash="")
            apply(row, document(event))
            out.append(row)
    return out


def test_last_years_dates_are_never_given_as_this_years(catalogue: Catalogue) -> None:
    found = select_views(_rows(catalogue), {}, NOW)
    assert found["school_year"] == "2026-2027"
    by_key = {e["key"]: e for e in found["events"]}
    registration = by_key["graduation_exam_registration"]
    assert registration["school_year"] == "2026-2027"
    assert (registration["start"], registration["end"], registration["status"]) == (None, None, "not_published")
    assert registration["reference"]["school_year"] == "2025-2026"
    assert registration["reference"]["start"] == "2026-04-24"
    for event in found["events"]:
        for day in (event["start"], event["end"]):
            assert day is None or "2026-08-01" <= day <= "2027-08-31", (event["key"], day)


def test_derived_windows_follow_their_entry(catalogue: Catalogue) -> None:
    every = windows(_rows(catalogue))
    remarking = every[("2025-2026", "graduation_remarking")]
    assert (remarking.start, remarking.end) == (dt.date(2026, 7, 1), dt.date(2026, 7, 10))  # 10 days from the results
    support = every[("2025-2026", "learning_cost_support")]
    assert (support.start, support.end) == (dt.date(2025, 9, 5), dt.date(2025, 11, 6))  # 45 working days
    assert every[("2026-2027", "graduation_remarking")].start is None  # no results date yet: nothing derived


def test_status_moves_with_the_clock(catalogue: Catalogue) -> None:
    rows = _rows(catalogue)
    at = {
        dt.datetime(2026, 6, 28, 3, tzinfo=dt.UTC): "upcoming",
        dt.datetime(2026, 7, 5, 3, tzinfo=dt.UTC): "open",
        dt.datetime(2026, 7, 11, 3, tzinfo=dt.UTC): "closed",
    }
    for now, expected in at.items():
        found = select_views(rows, {}, now, procedure="phuc_khao_bai_thi_tot_nghiep_thpt")
        status = {e["key"]: e["status"] for e in found["events"]}
        assert status["graduation_remarking"] == expected, now
