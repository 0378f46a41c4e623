"""CSV import for the one-stop system: validate every row first, then write all of them in one transaction."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.dossiers.lookup import strict_code
from api.dossiers.schemas import DossierIn, field_errors
from api.dossiers.service import upsert
from api.practice.service import PRACTICE_RESERVED, is_practice_code
from api.settings import Settings

LIST_SEPARATOR = "|"
OPTIONAL_BLANK = ("submitted_via", "result_delivery", "rejection_reason", "postal_tracking", "status_changed_at", "demo")


@dataclass
class ImportReport:
    """Counts of an import, or the errors that stopped it (nothing written then)."""

    created: int = 0
    updated: int = 0
    status_changes: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _row_payload(raw: dict[str, Any]) -> dict[str, Any]:
    """A CSV row as the JSON payload: blank optional cells dropped, lists split on `|`."""
    payload: dict[str, Any] = {}
    for key, value in raw.items():
        if key is None:
            payload["_extra_columns"] = value
            continue
        key = key.strip()
        text = (value or "").strip()
        if key in OPTIONAL_BLANK and not text:
            continue
        if key == "missing_documents":
            payload[key] = [part for part in text.split(LIST_SEPARATOR) if part.strip()]
        else:
            payload[key] = text
    return payload


def parse(text: str, settings: Settings) -> tuple[list[tuple[str, DossierIn]], list[dict[str, Any]]]:
    """Rows as (code, data) and the errors as {line, field, message}; line 1 is the header."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "code" not in [name.strip() for name in reader.fieldnames]:
        return [], [{"line": 1, "field": "code", "message": "the header must have a `code` column"}]
    rows: list[tuple[str, DossierIn]] = []
    errors: list[dict[str, Any]] = []
    for raw in reader:
        line = reader.line_num
        payload = _row_payload(raw)
        if "_extra_columns" in payload:
            errors.append({"line": line, "field": "row", "message": "more cells than header columns"})
            continue
        code = strict_code(str(payload.pop("code", "")), settings)
        if code is None:
            errors.append({"line": line, "field": "code", "message": "not a dossier code (000.00.31.H26-260112-0003)"})
            continue
        if is_practice_code(code):
            errors.append({"line": line, "field": "code", "message": PRACTICE_RESERVED})
            continue
        try:
            rows.append((code, DossierIn.model_validate(payload)))
        except ValidationError as exc:
            errors.extend({"line": line, **err} for err in field_errors(exc))
    if not rows and not errors:
        errors.append({"line": 2, "field": "row", "message": "the file has no data rows"})
    return rows, errors


def import_csv(session: Session, text: str, settings: Settings) -> ImportReport:
    """All rows or none: any error leaves the database untouched."""
    rows, errors = parse(text, settings)
    report = ImportReport(errors=errors)
    if errors:
        return report
    try:
        for code, data in rows:
            result = upsert(session, code, data)
            report.created += result.created
            report.updated += not result.created
            report.status_changes += result.status_changed
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report
