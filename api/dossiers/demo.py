"""Demo dossiers from demo.yaml (one per status plus an overdue one), dates relative to today."""

from __future__ import annotations

import datetime as dt
import pathlib
from typing import Any

import yaml
from sqlalchemy.orm import Session

from api.dossiers.schemas import DossierIn
from api.dossiers.service import get_dossier, is_overdue, today, upsert
from api.notifications.service import now

DEMO_FILE = pathlib.Path(__file__).with_name("demo.yaml")


def _entry_data(entry: dict[str, Any], name: str, status: str, changed_at: dt.datetime) -> DossierIn:
    """One demo dossier at one step of its path."""
    base = today()
    return DossierIn(
        procedure_code=entry["procedure_code"],
        status=status,  # type: ignore[arg-type]  # validated by pydantic at runtime
        received_at=base - dt.timedelta(days=entry["received_days_ago"]),
        due_at=base + dt.timedelta(days=entry["due_in_days"]),
        applicant_name=name,
        applicant_phone=entry["phone"],
        submitted_via=entry["submitted_via"],
        missing_documents=entry.get("missing_documents", []) if status == "needs_documents" else [],
        rejection_reason=entry.get("rejection_reason") if status == "rejected" else None,
        result_delivery=entry.get("result_delivery", "desk"),
        postal_tracking=entry.get("postal_tracking"),
        status_changed_at=changed_at,
        demo=True,
    )


def seed_demo(session: Session) -> list[dict[str, str]]:
    """Upsert the demo dossiers (a real dossier with the same code is left alone); returns the table to print."""
    spec = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    table: list[dict[str, str]] = []
    for entry in spec["dossiers"]:
        existing = get_dossier(session, entry["code"])
        if existing is not None and not existing.demo:
            table.append({"code": entry["code"], "phone_last4": "-", "status": "skipped: real dossier"})
            continue
        steps = entry["path"] if existing is None else entry["path"][-1:]
        for status, days_ago in steps:
            changed_at = now() - dt.timedelta(days=days_ago)
            upsert(session, entry["code"], _entry_data(entry, spec["applicant_name"], status, changed_at))
            session.flush()
        row = get_dossier(session, entry["code"])
        assert row is not None
        overdue = ", overdue" if is_overdue(row) else ""
        table.append({"code": row.code, "phone_last4": row.applicant_phone[-4:], "status": row.status + overdue})
    session.commit()
    return table
