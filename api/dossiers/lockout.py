"""The lockout on wrong dossier digits: attempts counted atomically per code and per client, locks that escalate.

Each lookup first reserves one attempt on two keys, the code (`code:<code>`) and the client (`ip:<address>`, or
`sender:<id>` when the channel gives no address), with one `UPDATE … WHERE failures < max RETURNING` each: however
many guesses arrive at once, at most `max` of them get past the check (PostgreSQL locks the row; SQLite lets one
writer in at a time). Only then are the digits compared. A success gives its reservation back; a failure keeps it,
and the failure that reaches `max` locks the key for DVC_LOOKUP_LOCK_SECONDS × 2^(locks so far), at most
DVC_LOOKUP_MAX_LOCK_SECONDS. Counters and strikes are forgotten after DVC_LOOKUP_MAX_LOCK_SECONDS without a failure.

Why this makes the 4 digits last (defaults: 5 failures per cycle, 15 min doubling up to 4 days): the first 9 locks
(15 min … 64 h) take 15 min × (2^9 − 1) = 7 665 min ≈ 5.3 days and allow 45 guesses; after that each 4-day lock
allows 5 more, ≈ 450 a year. About 500 guesses a year out of 10 000 combinations: one chance in 20 in a year,
even odds only after about 10 years, and every guess from every sender id or address counts towards the same code.
The real applicant keeps a way in while their code is locked: the conversation that verified it carries a signed
token (api.dossiers.subscribe_token) that passes the lock, and the locked message gives the hotline.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, and_, case, func, or_, select, update
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


def reserve(session: Session, keys: list[str], settings: Settings) -> int:
    """Reserve one attempt on every key; 0 when allowed, else the seconds to wait (nothing stays reserved).

    An allowed reservation is not committed here: the caller checks the digits and ends the same transaction with
    `succeeded` or `failed`. The reserving UPDATE holds the keys' rows (SQLite: the write lock) until then, so a
    concurrent guess on the same code waits and then sees the count, and a lookup costs one commit, not two.
    """
    current = now()
    quiet_since = current - dt.timedelta(seconds=settings.lookup_max_lock_seconds)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    taken: list[str] = []
    wait = 0
    for key in keys:
        session.execute(
            insert(GUARDS)
            .values(key=key, failures=0, strikes=0, locked_until=None, updated_at=current)
            .on_conflict_do_nothing(index_elements=[GUARDS.c.key])
        )
        old_lock = or_(GUARDS.c.locked_until.is_(None), GUARDS.c.locked_until < quiet_since)
        forgotten = and_(GUARDS.c.updated_at < quiet_since, old_lock)
        failures = case((forgotten, 0), else_=GUARDS.c.failures)
        got = session.execute(
            update(GUARDS)
            .where(
                GUARDS.c.key == key,
                or_(GUARDS.c.locked_until.is_(None), GUARDS.c.locked_until <= current),
                failures < _max_failures(key, settings),
            )
            .values(failures=failures + 1, strikes=case((forgotten, 0), else_=GUARDS.c.strikes), updated_at=current)
            .returning(GUARDS.c.key)
        ).first()
        if got is not None:
            taken.append(key)
            continue
        row = session.execute(select(GUARDS.c.locked_until, GUARDS.c.strikes).where(GUARDS.c.key == key)).one()
        if row.locked_until is not None and _aware(row.locked_until) > current:
            wait = max(wait, int((_aware(row.locked_until) - current).total_seconds()) + 1)
        else:  # every attempt of the cycle is being checked right now: as good as locked
            wait = max(wait, lock_seconds(row.strikes, settings))
    if wait:
        _release(session, taken)
        session.commit()
    return wait


def _release(session: Session, keys: list[str]) -> None:
    """Give reservations back (no commit)."""
    for key in keys:
        given_back = case((GUARDS.c.failures > 0, GUARDS.c.failures - 1), else_=0)
        session.execute(update(GUARDS).where(GUARDS.c.key == key).values(failures=given_back))


def succeeded(session: Session, code_key: str, keys: list[str]) -> None:
    """The digits were right: the code's counters start again, the client's reservation is given back."""
    session.execute(update(GUARDS).where(GUARDS.c.key == code_key).values(failures=0, strikes=0))
    _release(session, [k for k in keys if k != code_key])
    session.commit()


def failed(session: Session, keys: list[str], settings: Settings) -> None:
    """The digits were wrong: the reservation stays a failure; a key that reached its maximum is locked."""
    current = now()
    if session.get_bind().dialect.name == "postgresql":
        # losing the last milliseconds of a counter in a crash is harmless; an fsync per wrong guess is slow
        session.execute(select(func.set_config("synchronous_commit", "off", True)))
    for key in keys:
        locked = session.execute(
            update(GUARDS)
            .where(GUARDS.c.key == key, GUARDS.c.failures >= _max_failures(key, settings))
            .values(failures=0, strikes=GUARDS.c.strikes + 1, updated_at=current)
            .returning(GUARDS.c.strikes)
        ).first()
        if locked is not None:
            until = current + dt.timedelta(seconds=lock_seconds(locked.strikes - 1, settings))
            session.execute(update(GUARDS).where(GUARDS.c.key == key).values(locked_until=until))
    session.commit()
