"""Retention: delete conversations older than DVC_RETENTION_DAYS from the API tables and Rasa's tracker store."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, inspect, text

from api.db import session_factory
from api.records.service import now, purge_before
from api.settings import Settings


def _engine_url(url: str) -> str:
    """Rasa uses psycopg2 URLs; this environment has psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def purge_tracker(url: str, cutoff: dt.datetime) -> int:
    """Delete the events of senders whose latest event is older than `cutoff`; the number of events deleted."""
    engine = create_engine(_engine_url(url))
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            result = conn.execute(
                text(
                    "DELETE FROM events WHERE sender_id IN "
                    "(SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
                ),
                {"cutoff": cutoff.timestamp()},
            )
            return int(result.rowcount)
    finally:
        engine.dispose()


def purge(settings: Settings, at: dt.datetime | None = None) -> dict[str, int]:
    """Apply the retention period everywhere; counts per table (`tracker_events` for Rasa's store)."""
    cutoff = (at or now()) - dt.timedelta(days=settings.retention_days)
    with session_factory(settings.database_url)() as session:
        counts = purge_before(session, cutoff)
    counts["tracker_events"] = purge_tracker(settings.tracker_db_url, cutoff)
    return counts
