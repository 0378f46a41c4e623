"""Retention: delete what conversations left behind, older than DVC_RETENTION_DAYS, from every table that holds it.

API records (turns, ratings, feedback, tickets, conversations), the notification outbox, dossier subscriptions,
the lookup lockout's counters (their keys name senders and addresses) and expired rate-limit windows, classroom
practice dossiers (api.practice), and Rasa's tracker store. Always by the time of each row, so a long-running
conversation loses its old turns too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, delete, inspect, or_, text
from sqlalchemy.orm import Session

from api.db import session_factory
from api.dossiers.models import DossierRow, LookupGuardRow, SubscriptionRow
from api.notifications.models import NotificationRow
from api.practice.models import PracticeRow
from api.ratelimit import RateLimitRow
from api.records.service import now, purge_before
from api.settings import Settings


def _engine_url(url: str) -> str:
    """Rasa uses psycopg2 URLs; this environment has psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def purge_tracker(url: str, cutoff: dt.datetime) -> int:
    """Delete tracker events older than `cutoff` (whatever the conversation's age); the number deleted."""
    engine = create_engine(_engine_url(url))
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            result = conn.execute(text("DELETE FROM events WHERE timestamp < :cutoff"), {"cutoff": cutoff.timestamp()})
            return int(result.rowcount)
    finally:
        engine.dispose()


def purge_dossier_traces(session: Session, cutoff: dt.datetime, settings: Settings) -> dict[str, int]:
    """Notifications and subscriptions made before `cutoff`; lockout counters and rate-limit windows no longer in force."""
    current = now()
    idle = current - dt.timedelta(seconds=settings.lookup_max_lock_seconds)  # the lockout forgets a key after this
    guard_over = or_(LookupGuardRow.locked_until.is_(None), LookupGuardRow.locked_until < idle)
    statements = {
        "notifications": delete(NotificationRow).where(NotificationRow.created_at < cutoff),
        "dossier_subscriptions": delete(SubscriptionRow).where(SubscriptionRow.created_at < cutoff),
        "dossier_lookup_guards": delete(LookupGuardRow).where(LookupGuardRow.updated_at < max(idle, cutoff), guard_over),
        "rate_limits": delete(RateLimitRow).where(RateLimitRow.expires_at < current.timestamp()),
    }
    counts = {name: int(session.execute(statement).rowcount) for name, statement in statements.items()}  # type: ignore[attr-defined]
    session.commit()
    return counts


def purge_practice(session: Session, cutoff: dt.datetime) -> dict[str, int]:
    """Chats' practices started before `cutoff` (they name the sender), then practice dossiers last moved before it.

    A practice dossier's history and subscriptions go with it (foreign keys ON DELETE CASCADE).
    """
    statements = {
        "practice_dossiers": delete(PracticeRow).where(PracticeRow.created_at < cutoff),
        "dossiers_practice": delete(DossierRow).where(DossierRow.practice.is_(True), DossierRow.updated_at < cutoff),
    }
    counts = {name: int(session.execute(statement).rowcount) for name, statement in statements.items()}  # type: ignore[attr-defined]
    session.commit()
    return counts


def purge(settings: Settings, at: dt.datetime | None = None) -> dict[str, int]:
    """Apply the retention period everywhere; counts per table (`tracker_events` for Rasa's store)."""
    cutoff = (at or now()) - dt.timedelta(days=settings.retention_days)
    with session_factory(settings.database_url)() as session:
        counts = purge_before(session, cutoff)
        counts.update(purge_dossier_traces(session, cutoff, settings))
        counts.update(purge_practice(session, cutoff))
    counts["tracker_events"] = purge_tracker(settings.tracker_db_url, cutoff)
    return counts
