"""The lockout on wrong dossier digits: attempts counted atomically per code, failures per client, locks that escalate.

Before the digits are compared, the lookup reads the client's row (`ip:<address>`, or `sender:<id>` when the
channel gives no address): a locked client is answered `locked` whatever it typed. Then it reserves one attempt on
the code (`code:<code>`) with a single upsert, `INSERT … ON CONFLICT DO UPDATE SET failures = failures + 1 WHERE
not locked AND failures < max RETURNING`: however many guesses arrive at once, at most `max` of them get past the
check (PostgreSQL locks the row; SQLite lets one writer in at a time). Only then are the digits compared. A success
starts the code's counters again in the same transaction; a failure keeps the reservation and counts one failure for
the client (the client's count is the only one a wrong guess adds; a right one leaves it alone). The failure that
reaches `max` locks its key for DVC_LOOKUP_LOCK_SECONDS × 2^(locks so far), at most DVC_LOOKUP_MAX_LOCK_SECONDS.
Counters and strikes are forgotten after DVC_LOOKUP_MAX_LOCK_SECONDS without a failure.

A lookup is one short write transaction: the dossier is read before it, and a success costs one upsert and one
update on the code's row and one commit (that commit does not wait for the disk on PostgreSQL: losing the last
milliseconds of a counter in a crash is harmless).

Why this makes the 4 digits last (defaults: 5 failures per cycle, 15 min doubling up to 4 days): the first 9 locks
(15 min … 64 h) take 15 min × (2^9 − 1) = 7 665 min ≈ 5.3 days and allow 45 guesses; after that each 4-day lock
allows 5 more, ≈ 450 a year. About 500 guesses a year out of 10 000 combinations: one chance in 20 in a year,
even odds only after about 10 years, and every guess from every sender id or address counts towards the same code.
The real applicant keeps a way in while their code is locked: the conversation that verified it carries a signed
token (api.dossiers.subscribe_token) that passes the lock, and the locked message gives the hotline.
A practice code (api.practice) is counted on its code only: the lookup passes no client for it.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, cast

from sqlalchemy import ColumnElement, Executable, Integer, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.dossiers.models import LookupGuardRow
from api.notifications.service import now
from api.settings import Settings

GUARDS = cast(Table, LookupGuardRow.__table__)


def _aware(at: dt.datetime) -> dt.datetime:
    """SQLite returns naive UTC datetimes."""
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def lock_seconds(strikes: int, settings: Settings) -> int:
    """The length of the lock after `strikes` earlier locks: doubling, capped."""
    return int(min(settings.lookup_lock_seconds * 2 ** min(strikes, 30), settings.lookup_max_lock_seconds))


def _max_failures(key: str, settings: Settings) -> int:
    """Failures allowed per cycle: per code, or (more, for shared school addresses) per client."""
    return settings.lookup_max_failures if key.startswith("code:") else settings.lookup_max_failures_per_client


def _wait(row: Any, current: dt.datetime, settings: Settings) -> int:
    """Seconds until a key's lock ends; a full cycle that is not locked yet waits as long as its next lock would."""
    if row.locked_until is not None and _aware(row.locked_until) > current:
        return int((_aware(row.locked_until) - current).total_seconds()) + 1
    return lock_seconds(row.strikes, settings)


# The hot path's statements are built once, with their values as parameters: building SQLAlchemy expressions and
# their cache keys took half of a lookup's CPU.
_CLIENT_ROW = select(GUARDS.c.failures, GUARDS.c.strikes, GUARDS.c.locked_until, GUARDS.c.updated_at).where(
    GUARDS.c.key == bindparam("guard")
)
_RESET = update(GUARDS).where(GUARDS.c.key == bindparam("guard")).values(failures=0, strikes=0)
_FAST_COMMIT = select(func.set_config("synchronous_commit", "off", True))


def client_wait(session: Session, client_key: str, settings: Settings) -> int:
    """0 when the client may guess, else the seconds its lock still lasts (a read: nothing is written)."""
    current = now()
    row = session.execute(_CLIENT_ROW, {"guard": client_key}).first()
    if row is None:
        return 0
    if row.locked_until is not None and _aware(row.locked_until) > current:
        return _wait(row, current, settings)
    quiet_since = current - dt.timedelta(seconds=settings.lookup_max_lock_seconds)
    if _aware(row.updated_at) < quiet_since:
        return 0
    return _wait(row, current, settings) if row.failures >= _max_failures(client_key, settings) else 0


@functools.cache
def _count_statement(dialect: str) -> Executable:
    """The upsert that counts one attempt unless the key is locked or full (parameters: guard, now, quiet_since, max)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    current, quiet_since = (
        bindparam("now", type_=GUARDS.c.updated_at.type),
        bindparam("quiet_since", type_=GUARDS.c.updated_at.type),
    )
    old_lock = or_(GUARDS.c.locked_until.is_(None), GUARDS.c.locked_until < quiet_since)
    forgotten: ColumnElement[bool] = and_(GUARDS.c.updated_at < quiet_since, old_lock)
    failures = case((forgotten, 0), else_=GUARDS.c.failures)
    return (
        insert(GUARDS)
        .values(key=bindparam("guard"), failures=1, strikes=0, locked_until=None, updated_at=current)
        .on_conflict_do_update(
            index_elements=[GUARDS.c.key],
            set_={"failures": failures + 1, "strikes": case((forgotten, 0), else_=GUARDS.c.strikes), "updated_at": current},
            where=and_(
                or_(GUARDS.c.locked_until.is_(None), GUARDS.c.locked_until <= current),
                failures < bindparam("max", type_=Integer),
            ),
        )
        .returning(GUARDS.c.failures, GUARDS.c.strikes)
    )


def _count(session: Session, key: str, settings: Settings, current: dt.datetime) -> tuple[int, int] | None:
    """One more attempt on `key` in one upsert: (failures now, strikes), or None when the key is locked or full."""
    values = {
        "guard": key,
        "now": current,
        "quiet_since": current - dt.timedelta(seconds=settings.lookup_max_lock_seconds),
        "max": _max_failures(key, settings),
    }
    row = session.execute(_count_statement(session.get_bind().dialect.name), values).first()
    return None if row is None else (int(row.failures), int(row.strikes))


def _fast_commit(session: Session) -> None:
    """PostgreSQL: this transaction's commit does not wait for the disk (a lost counter increment is harmless)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_FAST_COMMIT)


def reserve(session: Session, code_key: str, settings: Settings) -> int:
    """Reserve one attempt on the code; 0 when allowed (the transaction stays open), else the seconds to wait.

    An allowed reservation is not committed here: the caller compares the digits and ends the same transaction
    with `succeeded` or `failed`. The upsert holds the code's row (SQLite: the write lock) until then, so a
    concurrent guess on the same code waits and then sees the count.
    """
    current = now()
    _fast_commit(session)
    if _count(session, code_key, settings, current) is not None:
        return 0
    row = session.execute(select(GUARDS.c.locked_until, GUARDS.c.strikes).where(GUARDS.c.key == code_key)).one()
    session.rollback()
    return _wait(row, current, settings)


def succeeded(session: Session, code_key: str) -> None:
    """The digits were right: the code's counters start again (the client's count is left as it is)."""
    session.execute(_RESET, {"guard": code_key})
    session.commit()


def _lock_if_full(session: Session, key: str, settings: Settings, current: dt.datetime) -> None:
    """A key that reached its maximum: counters to zero, one more strike, locked for the escalated time."""
    locked = session.execute(
        update(GUARDS)
        .where(GUARDS.c.key == key, GUARDS.c.failures >= _max_failures(key, settings))
        .values(failures=0, strikes=GUARDS.c.strikes + 1, updated_at=current)
        .returning(GUARDS.c.strikes)
    ).first()
    if locked is not None:
        until = current + dt.timedelta(seconds=lock_seconds(locked.strikes - 1, settings))
        session.execute(update(GUARDS).where(GUARDS.c.key == key).values(locked_until=until))


def failed(session: Session, code_key: str, client_key: str | None, settings: Settings) -> None:
    """The digits were wrong: the code's reservation stays a failure, the client (if any) counts one; full keys lock."""
    current = now()
    if client_key is not None:
        _count(session, client_key, settings, current)  # a client that filled up meanwhile stays full (locked below)
    _lock_if_full(session, code_key, settings, current)
    if client_key is not None:
        _lock_if_full(session, client_key, settings, current)
    session.commit()
