"""Dossier storage: upsert from the integration (history + notifications), and the views we return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.dossiers import messages
from api.dossiers.models import CLOSED_STATUSES, DossierHistoryRow, DossierRow, SubscriptionRow
from api.dossiers.schemas import DossierIn
from api.models import ProcedureRow
from api.notifications.service import enqueue, now

VIETNAM = dt.timezone(dt.timedelta(hours=7))


def today() -> dt.date:
    """Today's date in Vietnam (overdue is judged by the Sở's calendar)."""
    return dt.datetime.now(VIETNAM).date()


@dataclass(frozen=True)
class UpsertResult:
    """What an upsert did."""

    created: bool
    status_changed: bool


def get_dossier(session: Session, code: str) -> DossierRow | None:
    """The dossier with this (normalised) code, history loaded."""
    return session.scalars(select(DossierRow).where(DossierRow.code == code).options(selectinload(DossierRow.history))).first()


def procedure_info(session: Session, procedure_code: str) -> tuple[str, str | None]:
    """(name, slug) from the catalogue, or a generic name and None when the code is not catalogued."""
    row = session.execute(
        select(ProcedureRow.name, ProcedureRow.slug).where(ProcedureRow.code == procedure_code).limit(1)
    ).first()
    if row is None:
        return messages.unknown_procedure(procedure_code), None
    return str(row[0]), str(row[1])


def upsert(session: Session, code: str, data: DossierIn) -> UpsertResult:
    """Create or update one dossier; a new status adds history and notifies subscribers. The caller commits."""
    row = get_dossier(session, code)
    created = row is None
    if row is None:
        row = DossierRow(code=code, history=[])
        session.add(row)
    old_status = None if created else row.status
    values = data.model_dump(exclude={"status_changed_at"})
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now()
    changed = old_status != data.status
    if changed:
        row.history.append(DossierHistoryRow(status=data.status, at=data.status_changed_at or now()))
    if changed and not created:
        session.flush()
        notify_subscribers(session, row)
    return UpsertResult(created=created, status_changed=changed and not created)


def notify_subscribers(session: Session, row: DossierRow) -> int:
    """Enqueue the status-change message for every subscriber of this dossier; returns how many."""
    recipients = session.scalars(select(SubscriptionRow.recipient).where(SubscriptionRow.dossier_id == row.id)).all()
    if not recipients:
        return 0
    procedure, _slug = procedure_info(session, row.procedure_code)
    text = messages.status_change_text(
        code=row.code,
        procedure=procedure,
        status=row.status,
        due=row.due_at.strftime("%d/%m/%Y"),
        missing=list(row.missing_documents),
        reason=row.rejection_reason,
        delivery=row.result_delivery,
        tracking=row.postal_tracking,
    )
    if row.practice:
        text = messages.practice_mark() + text
    for recipient in recipients:
        enqueue(session, recipient, "dossier_status", text)
    return len(recipients)


def is_overdue(row: Any, on: dt.date | None = None) -> bool:
    """Past its due date and still open (a ready, returned or rejected dossier is never overdue)."""
    return row.status not in CLOSED_STATUSES and (on or today()) > row.due_at


def _iso(at: dt.datetime) -> str:
    """Aware ISO timestamp (SQLite hands naive UTC datetimes back)."""
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).isoformat()


def public_view(session: Session, row: DossierRow) -> dict[str, Any]:
    """The lookup's `dossier` object for an ORM row (see dossier_view)."""
    name, slug = procedure_info(session, row.procedure_code)
    return dossier_view(row, name, slug, [(h.status, h.at) for h in row.history])


def dossier_view(row: Any, name: str, slug: str | None, history: list[tuple[str, dt.datetime]]) -> dict[str, Any]:
    """The lookup's `dossier` object (docs/contracts.md) from anything with the dossier's column attributes.

    Never the applicant's name or phone.
    """
    overdue = is_overdue(row)
    return {
        "code": row.code,
        "procedure_code": row.procedure_code,
        "procedure_name": name,
        "procedure_slug": slug,
        "submitted_via": row.submitted_via,
        "received_at": row.received_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "status": row.status,
        "status_label": messages.status_label(row.status),
        "overdue": overdue,
        "days_overdue": (today() - row.due_at).days if overdue else 0,
        "missing_documents": list(row.missing_documents),
        "rejection_reason": row.rejection_reason,
        "result_delivery": row.result_delivery,
        "postal_tracking": row.postal_tracking,
        "history": [{"status": status, "at": _iso(at)} for status, at in history],
        "demo": row.demo,
        "practice": bool(row.practice),
    }


def full_view(session: Session, row: DossierRow) -> dict[str, Any]:
    """Everything we hold, for the integration only."""
    view = public_view(session, row)
    view.update(
        applicant_name=row.applicant_name,
        applicant_phone=row.applicant_phone,
        updated_at=_iso(row.updated_at),
    )
    return view
