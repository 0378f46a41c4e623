"""Schema of kb/calendar/<school-year>.yaml: each window bound to its school year, each date with its source."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, model_validator

from api.catalogue.schema import SourceIds, Strict

YEAR = re.compile(r"^(\d{4})-(\d{4})$")
KEY = r"^[a-z][a-z0-9_]{1,59}$"


def year_bounds(school_year: str) -> tuple[dt.date, dt.date]:
    """The dates a school year's entries may hold: 1 August of its first year to 31 August of its second."""
    match = YEAR.match(school_year)
    if not match or int(match[2]) != int(match[1]) + 1:
        raise ValueError(f"school year must read like '2026-2027', got '{school_year}'")
    return dt.date(int(match[1]), 8, 1), dt.date(int(match[2]), 8, 31)


class Derived(Strict):
    """A window a rule derives from another entry's start (phúc khảo: 10 days from the results)."""

    from_: str = Field(alias="from", pattern=KEY)
    days: int = Field(ge=1, le=120)
    unit: Literal["days", "working_days"] = "days"


class CalendarEvent(Strict):
    """One window: what, for which procedure, from when to when, for whom, and from which source."""

    key: str = Field(pattern=KEY)  # the same key names the same window in every year's file
    event: str = Field(min_length=3)
    procedure: str | None = None  # kb/procedures slug
    topic: str | None = None  # kb/topics slug answered with it
    applies_to: str
    scope: Literal["national", "provincial", "school"]
    aliases: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    derived: Derived | None = None
    rule: str | None = None
    note: str | None = None
    sources: SourceIds = Field(min_length=1)
    verified: bool

    @model_validator(mode="after")
    def _consistent(self) -> CalendarEvent:
        if self.start and self.end and self.end < self.start:
            raise ValueError("end is before start")
        if self.derived and (self.start or self.end):
            raise ValueError("a derived window takes its dates from its rule: leave start and end empty")
        if self.derived and not self.rule:
            raise ValueError("a derived window needs the rule it follows")
        if self.verified and not (self.start or self.end or self.derived):
            raise ValueError("verified: true needs a sourced date or rule")
        return self


class CalendarFile(Strict):
    """kb/calendar/<school-year>.yaml."""

    school_year: str
    events: list[CalendarEvent] = Field(min_length=1)

    @model_validator(mode="after")
    def _bound_to_year(self) -> CalendarFile:
        first, last = year_bounds(self.school_year)
        keys = [e.key for e in self.events]
        for e in self.events:
            if keys.count(e.key) > 1:
                raise ValueError(f"events: key '{e.key}' appears twice")
            for name, value in (("start", e.start), ("end", e.end)):
                if value is not None and not first <= value <= last:
                    raise ValueError(f"{e.key}.{name}: {value} is outside the school year {self.school_year}")
            if e.derived and e.derived.from_ not in keys:
                raise ValueError(f"{e.key}.derived.from: no event '{e.derived.from_}' this year")
        return self
