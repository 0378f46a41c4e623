"""Read kb/calendar/*.yaml (validated, sources and procedures checked) and load it into the database idempotently."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pathlib
from collections.abc import Collection
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.calendar.models import CalendarEventRow
from api.calendar.schema import CalendarEvent, CalendarFile


class CalendarError(ValueError):
    """A kb/calendar file is invalid; the message names the file and the field."""


def read_calendar(
    folder: pathlib.Path, sources: Collection[str], procedures: Collection[str], topics: Collection[str]
) -> dict[str, CalendarFile]:
    """Every <school-year>.yaml of `folder`, validated; the file name must be its school year."""
    files: dict[str, CalendarFile] = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        try:
            cal = CalendarFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise CalendarError(f"{path}: field '{where}': {err['msg']}") from None
        except yaml.YAMLError as exc:
            raise CalendarError(f"{path}: not valid YAML: {exc}") from None
        if path.stem != cal.school_year:
            raise CalendarError(f"{path}: the file name must be its school year '{cal.school_year}'")
        for i, event in enumerate(cal.events):
            for ref in event.sources:
                if ref not in sources:
                    raise CalendarError(f"{path}: field 'events.{i}.sources': unknown source '{ref}'")
            if event.procedure and event.procedure not in procedures:
                raise CalendarError(f"{path}: field 'events.{i}.procedure': no procedure '{event.procedure}'")
            if event.topic and event.topic not in topics:
                raise CalendarError(f"{path}: field 'events.{i}.topic': no topic '{event.topic}'")
        files[cal.school_year] = cal
    return files


def document(event: CalendarEvent) -> dict[str, Any]:
    """The JSON document stored for an entry (dates as ISO strings, `derived.from` under its YAML name)."""
    return event.model_dump(mode="json", by_alias=True)


def _hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def apply(row: CalendarEventRow, data: dict[str, Any]) -> None:
    """Set a row's document and the columns derived from it."""
    row.data = data
    row.procedure = data.get("procedure")
    row.start_date = dt.date.fromisoformat(data["start"]) if data.get("start") else None
    row.end_date = dt.date.fromisoformat(data["end"]) if data.get("end") else None
    row.verified = bool(data["verified"])


def sync_calendar(session: Session, files: dict[str, CalendarFile]) -> dict[str, list[str]]:
    """Make the table hold the files' entries; a staff edit stays until the file's own entry changes. Caller commits."""
    report: dict[str, list[str]] = {"added": [], "updated": [], "removed": [], "unchanged": []}
    existing = {(r.school_year, r.key): r for r in session.scalars(select(CalendarEventRow))}
    for year, cal in files.items():
        for event in cal.events:
            data = document(event)
            digest = _hash(data)
            name = f"{year}/{event.key}"
            row = existing.pop((year, event.key), None)
            if row is None:
                row = CalendarEventRow(school_year=year, key=event.key, file_hash=digest)
                apply(row, data)
                session.add(row)
                report["added"].append(name)
            elif row.file_hash != digest:
                apply(row, data)
                row.file_hash, row.edited_by, row.edited_at = digest, None, None
                report["updated"].append(name)
            else:
                report["unchanged"].append(name)
    for (year, key), row in existing.items():
        session.delete(row)
        report["removed"].append(f"{year}/{key}")
    return report
