"""Public lookup by code + last 4 phone digits, with a lockout that reveals nothing about which codes exist."""

from __future__ import annotations

import datetime as dt
import hmac
import math
import re
from typing import Any

from sqlalchemy import Row, delete, select, text
from sqlalchemy.orm import Session

from api.dossiers import messages
from api.dossiers.models import DossierHistoryRow, DossierRow, LookupFailureRow
from api.dossiers.service import dossier_view, get_dossier
from api.models import ProcedureRow
from api.notifications.service import now
from api.settings import Settings
from textnorm.dossier_code import EXAMPLE, clean_code

_NO_DIGITS = "\x00\x00\x00\x00"  # compared against when the code is unknown, so both failures do the same work


def strict_code(raw: str, settings: Settings) -> str | None:
    """The normalised code if it matches DVC_DOSSIER_CODE_PATTERN, else None."""
    code = clean_code(raw)
    return code if re.fullmatch(settings.dossier_code_pattern, code) else None


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC datetimes; make them comparable."""
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


FAILURES = LookupFailureRow.__table__
DOSSIERS = DossierRow.__table__
HISTORY = DossierHistoryRow.__table__
PROCEDURES = ProcedureRow.__table__


def lock_remaining(session: Session, code: str, requester: str, settings: Settings) -> int:
    """Seconds left on a lock of this code: for this requester, or for everyone when many requesters failed.

    The second lock matters because the bot's senders are cheap to invent: rotating sender ids must not buy
    unlimited guesses at the four digits.
    """
    window = dt.timedelta(seconds=settings.lookup_lock_seconds)
    current = now()
    query = (
        select(FAILURES.c.at, FAILURES.c.requester)
        .where(FAILURES.c.code == code, FAILURES.c.at > current - 2 * window)
        .order_by(FAILURES.c.at)
    )
    failures = [(_aware(at), who) for at, who in session.execute(query)]
    own = [at for at, who in failures if who == requester]
    everyone = [at for at, _ in failures]
    return max(
        _remaining(own, settings.lookup_max_failures, window, current),
        _remaining(everyone, settings.lookup_max_failures_per_code, window, current),
    )


def _remaining(times: list[dt.datetime], n: int, window: dt.timedelta, current: dt.datetime) -> int:
    """`n` failures (sorted times) within the window lock for the window's length after the last of them."""
    remaining = 0.0
    for i in range(n - 1, len(times)):
        if times[i] - times[i - n + 1] <= window:
            remaining = max(remaining, (times[i] + window - current).total_seconds())
    return math.ceil(remaining) if remaining > 0 else 0


def _read(session: Session, code: str) -> list[Row[Any]]:
    """The dossier's columns, the catalogue's name and slug and one row per history entry, in one Core query.

    One round trip on the lookup's hot path; an unknown code gives an empty list.
    """
    query = (
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
        .where(DOSSIERS.c.code == code)
        .order_by(HISTORY.c.id)
    )
    return list(session.execute(query).all())


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


def record_failure(session: Session, code: str, requester: str, settings: Settings) -> None:
    """Count one failed verification and forget this requester's failures older than the lock horizon."""
    current = now()
    if session.get_bind().dialect.name == "postgresql":
        # A failure counter need not wait for the disk: losing the last milliseconds in a crash is harmless,
        # while an fsync on every wrong guess made those lookups the slowest of all.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.add(LookupFailureRow(code=code, requester=requester, at=current))
    horizon = current - dt.timedelta(seconds=2 * settings.lookup_lock_seconds)
    session.execute(delete(LookupFailureRow).where(LookupFailureRow.requester == requester, LookupFailureRow.at < horizon))
    session.commit()


def lookup(session: Session, raw_code: str, phone_last4: str, requester: str, settings: Settings) -> dict[str, Any]:
    """The contract's answer: found / not_found / invalid_code / locked (a wrong code and wrong digits look alike)."""
    code = strict_code(raw_code, settings)
    if code is None:
        return {"status": "invalid_code", "example": EXAMPLE}
    remaining = lock_remaining(session, code, requester, settings)
    if remaining:
        return {"status": "locked", "retry_after_seconds": remaining}
    rows = _read(session, code)
    row = rows[0] if rows else None
    if not verify(row, phone_last4) or row is None:
        record_failure(session, code, requester, settings)
        return {"status": "not_found"}
    return {"status": "found", "dossier": _view(rows)}


def find_verified(session: Session, raw_code: str, phone_last4: str, requester: str, settings: Settings) -> DossierRow | None:
    """The dossier when code and digits verify (subscriptions); failures count towards the same lockout."""
    code = strict_code(raw_code, settings)
    if code is None or lock_remaining(session, code, requester, settings):
        return None
    row = get_dossier(session, code)
    if not verify(row, phone_last4):
        record_failure(session, code, requester, settings)
        return None
    return row
