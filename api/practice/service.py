"""A practice dossier step by step: the procedure's real documents, how it is sent, made-up digits, then a real
lookup-able dossier marked `practice` that the student moves through its statuses (notifying like a real one)."""

from __future__ import annotations

import datetime as dt
import functools
import pathlib
import re
import secrets
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.catalogue.store import Snapshot
from api.dossiers.models import DossierHistoryRow, DossierRow
from api.dossiers.service import get_dossier, notify_subscribers, today
from api.practice.models import PracticeRow

CONFIG_FILE = pathlib.Path(__file__).with_name("practice.yml")
CHANNELS = (("online", "online"), ("in_person", "in_person"), ("postal_submit", "postal"))  # kb field → submitted_via
DIGIT_CHOICES = 3


@functools.lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """practice.yml, read once per process."""
    data: dict[str, Any] = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    return data


@functools.lru_cache(maxsize=1)
def _code_shape() -> re.Pattern[str]:
    """A practice code: the reserved agency part, then the day and the number, as _new_code makes them."""
    return re.compile(re.escape(config()["code_prefix"]) + r"-\d{6}-\d{4}")


PRACTICE_RESERVED = "this agency part is reserved for classroom practice codes (api/practice/practice.yml, code_prefix)"


def is_practice_code(code: str) -> bool:
    """A normalised code of the practice shape: no real office has this agency part, so no real dossier is behind it."""
    return _code_shape().fullmatch(code) is not None


def procedures(snap: Snapshot) -> list[dict[str, str]]:
    """The procedures a student can practise with (those of practice.yml the catalogue holds)."""
    return [{"slug": s, "name": str(snap.procedures[s]["name"])} for s in config()["procedures"] if s in snap.procedures]


def documents(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The procedure's current document list, as kb/procedures has it."""
    return list((data.get("documents") or {}).get("items") or [])


def channels(data: dict[str, Any]) -> list[str]:
    """How this procedure may be submitted (submitted_via values); online and at the desk when the kb says nothing."""
    given = data.get("channels") or {}
    allowed = [via for field, via in CHANNELS if given.get(field)]
    return allowed or ["online", "in_person"]


def start(session: Session, snap: Snapshot, sender: str, slug: str, now: dt.datetime) -> dict[str, Any] | None:
    """A new practice for this chat (an unfinished one is dropped); None for a procedure not offered."""
    if slug not in {p["slug"] for p in procedures(snap)}:
        return None
    for old in session.scalars(select(PracticeRow).where(PracticeRow.sender == sender, PracticeRow.dossier_id.is_(None))):
        session.delete(old)
    row = PracticeRow(sender=sender, procedure_slug=slug, step=0, documents=[], offered=[], created_at=now)
    session.add(row)
    session.commit()
    return view(session, snap, row)


def current(session: Session, sender: str) -> PracticeRow | None:
    """The chat's latest practice."""
    query = select(PracticeRow).where(PracticeRow.sender == sender).order_by(PracticeRow.id.desc()).limit(1)
    return session.scalars(query).first()


def step(session: Session, snap: Snapshot, sender: str, choice: str, now: dt.datetime) -> dict[str, Any] | None:
    """Apply the student's choice at the current step; an unexpected choice shows the same step again."""
    row = current(session, sender)
    if row is None or row.procedure_slug not in snap.procedures:
        return None
    data = snap.procedures[row.procedure_slug]
    docs = documents(data)
    if row.dossier_id is None:
        if row.step < len(docs) and choice in ("attach", "skip"):
            row.documents = [*row.documents, choice == "attach"]
            row.step += 1
        elif row.step == len(docs) and choice in channels(data):
            row.submitted_via = choice
            row.offered = [f"{secrets.randbelow(9000) + 1000}" for _ in range(DIGIT_CHOICES)]
            row.step += 1
        elif row.step == len(docs) + 1 and choice in row.offered:
            row.dossier_id = _submit(session, row, data, choice, now).id
            row.step += 1
        session.commit()
    return view(session, snap, row)


def _submit(session: Session, row: PracticeRow, data: dict[str, Any], digits: str, now: dt.datetime) -> DossierRow:
    """The dossier, received today, due after the procedure's working days; looked up with the chosen digits."""
    received = today()
    dossier = DossierRow(
        code=_new_code(session, received), procedure_code=str(data["code"]), applicant_name=config()["applicant_name"],
        applicant_phone="000000" + digits, submitted_via=row.submitted_via or "online", received_at=received,
        due_at=add_working_days(received, int((data.get("processing_time") or {}).get("working_days") or 1)),
        status=config()["path"][0], missing_documents=[], rejection_reason=None, result_delivery="desk",
        postal_tracking=None, demo=False, practice=True, updated_at=now,
        history=[DossierHistoryRow(status=config()["path"][0], at=now)],
    )  # fmt: skip
    session.add(dossier)
    session.flush()
    return dossier


def _new_code(session: Session, day: dt.date) -> str:
    """A free code under the practice prefix (10 000 a day)."""
    for _ in range(50):
        code = f"{config()['code_prefix']}-{day:%y%m%d}-{secrets.randbelow(10000):04d}"
        if get_dossier(session, code) is None:
            return code
    raise RuntimeError("no free practice code today")


def add_working_days(day: dt.date, days: int) -> dt.date:
    """`days` working days (Monday to Friday) after `day`."""
    while days > 0:
        day += dt.timedelta(days=1)
        days -= day.weekday() < 5
    return day


def advance(session: Session, sender: str, now: dt.datetime) -> dict[str, Any] | None:
    """Move the chat's submitted practice dossier to its next status (subscribers notified); None when there is none."""
    row = current(session, sender)
    dossier = session.get(DossierRow, row.dossier_id) if row is not None and row.dossier_id is not None else None
    if dossier is None:
        return None
    path: list[str] = config()["path"]
    position = path.index(dossier.status) if dossier.status in path else len(path) - 1
    moved = position + 1 < len(path)
    if moved:
        dossier.status, dossier.updated_at = path[position + 1], now
        dossier.history.append(DossierHistoryRow(status=dossier.status, at=now))
        session.flush()
        notify_subscribers(session, dossier)
        session.commit()
    return {"code": dossier.code, "status": dossier.status, "moved": moved, "final": dossier.status == path[-1]}


def view(session: Session, snap: Snapshot, row: PracticeRow) -> dict[str, Any]:
    """What the chat shows at the practice's current step."""
    data = snap.procedures[row.procedure_slug]
    docs = documents(data)
    base = {"procedure_slug": row.procedure_slug, "procedure_name": str(data["name"])}
    if row.step < len(docs):
        doc = docs[row.step]
        return {**base, "kind": "document", "number": row.step + 1, "total": len(docs), "item": doc.get("item"),
                "quantity": doc.get("quantity"), "note": doc.get("note")}  # fmt: skip
    if row.step == len(docs):
        return {**base, "kind": "channel", "choices": channels(data)}
    if row.dossier_id is None:
        return {**base, "kind": "digits", "choices": list(row.offered)}
    dossier = session.get(DossierRow, row.dossier_id)
    assert dossier is not None
    return {
        **base, "kind": "submitted", "code": dossier.code, "status": dossier.status, "digits": dossier.applicant_phone[-4:],
        "attached": sum(row.documents), "documents": len(docs), "submitted_via": dossier.submitted_via,
        "received_at": dossier.received_at.isoformat(), "due_at": dossier.due_at.isoformat(),
    }  # fmt: skip
