"""Public lookup by code + last 4 phone digits; the lockout (api.dossiers.lockout) reveals nothing about which codes exist.

A practice code (api.practice) keeps its own lockout but not the client's: a class shares one school address, and a
code of that shape only ever finds a practice dossier, so a guesser learns nothing real through it.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from api.dossiers import lockout, messages
from api.dossiers.models import DossierHistoryRow, DossierRow
from api.dossiers.service import dossier_view, get_dossier
from api.models import ProcedureRow
from api.practice.service import is_practice_code
from api.settings import Settings
from textnorm.dossier_code import EXAMPLE, clean_code

_NO_DIGITS = "\x00\x00\x00\x00"  # compared against when the code is unknown, so both failures do the same work


def strict_code(raw: str, settings: Settings) -> str | None:
    """The normalised code if it matches DVC_DOSSIER_CODE_PATTERN, else None."""
    code = clean_code(raw)
    return code if re.fullmatch(settings.dossier_code_pattern, code) else None


DOSSIERS = DossierRow.__table__
HISTORY = DossierHistoryRow.__table__
PROCEDURES = ProcedureRow.__table__


def _read_statement() -> Select[Any]:
    """The dossier's columns, the catalogue's name and slug and one row per history entry (parameter: code)."""
    return (
        select(
            DOSSIERS,
            PROCEDURES.c.name.label("procedure_name"),
            PROCEDURES.c.slug.label("procedure_slug"),
            HISTORY.c.status.label("history_status"),
            HISTORY.c.at.label("history_at"),
        )
        .select_from(
            DOSSIERS.outerjoin(PROCEDURES, PROCEDURES.c.code == DOSSIERS.c.procedure_code).outerjoin(
                HISTORY, HISTORY.c.dossier_id == DOSSIERS.c.id
            )
        )
        .where(DOSSIERS.c.code == bindparam("code"))
        .order_by(HISTORY.c.id)
    )


_READ = _read_statement()  # built once: building it took a sixth of a lookup's CPU


def _read(session: Session, code: str) -> list[Row[Any]]:
    """The dossier with its procedure and history in one Core query: one round trip; an unknown code gives []."""
    rows = list(session.execute(_READ, {"code": code}).all())
    return rows if not rows or _answers(rows[0], code) else []


def _answers(row: DossierRow | Row[Any], code: str) -> bool:
    """A code of the practice shape (exempt from the client's lockout) answers with a practice dossier only."""
    return bool(row.practice) or not is_practice_code(code)


def _client(code: str, requester: str) -> str | None:
    """Whose wrong guesses count and whose lock applies: nobody's for a practice code (only the code's own lock)."""
    return None if is_practice_code(code) else requester


def _view(rows: list[Row[Any]]) -> dict[str, Any]:
    """The contract's `dossier` object from _read() rows."""
    row = rows[0]
    history = [(r.history_status, r.history_at) for r in rows if r.history_status is not None]
    name = row.procedure_name or messages.unknown_procedure(row.procedure_code)
    return dossier_view(row, name, row.procedure_slug, history)


def verify(row: DossierRow | Row[Any] | None, phone_last4: str) -> bool:
    """Constant-time check of the last four digits; an unknown code compares against a dummy and fails."""
    expected = row.applicant_phone[-4:] if row is not None else _NO_DIGITS
    return hmac.compare_digest(expected.encode(), phone_last4.strip().encode()) and row is not None


def lookup(
    session: Session, raw_code: str, phone_last4: str, requester: str, settings: Settings, verified: bool = False
) -> dict[str, Any]:
    """The contract's answer: found / not_found / invalid_code / locked (a wrong code and wrong digits look alike).

    `verified`: this conversation proved the code earlier (its signed token checked out), so no digits and no lock.
    """
    code = strict_code(raw_code, settings)
    if code is None:
        return {"status": "invalid_code", "example": EXAMPLE}
    if verified:
        rows = _read(session, code)
        return {"status": "found", "dossier": _view(rows)} if rows else {"status": "not_found"}
    rows = _read(session, code)  # before the lockout's write transaction, which then stays short
    row = rows[0] if rows else None
    wait = _admit(session, code, requester, settings)
    if wait:
        return {"status": "locked", "retry_after_seconds": wait}
    if not verify(row, phone_last4) or row is None:
        lockout.failed(session, f"code:{code}", _client(code, requester), settings)
        return {"status": "not_found"}
    lockout.succeeded(session, f"code:{code}")
    return {"status": "found", "dossier": _view(rows)}


def _admit(session: Session, code: str, requester: str, settings: Settings) -> int:
    """0 when this attempt may compare the digits (one attempt reserved on the code), else the seconds to wait."""
    client = _client(code, requester)
    wait = lockout.client_wait(session, client, settings) if client is not None else 0
    return wait or lockout.reserve(session, f"code:{code}", settings)


def find_verified(session: Session, raw_code: str, phone_last4: str, requester: str, settings: Settings) -> DossierRow | None:
    """The dossier when code and digits verify (subscriptions); attempts count towards the same lockout."""
    code = strict_code(raw_code, settings)
    if code is None:
        return None
    found = get_dossier(session, code)
    row = found if found is not None and _answers(found, code) else None
    if _admit(session, code, requester, settings):
        return None
    if not verify(row, phone_last4):
        lockout.failed(session, f"code:{code}", _client(code, requester), settings)
        return None
    lockout.succeeded(session, f"code:{code}")
    return row
