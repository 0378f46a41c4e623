"""Rasa's SQL tracker store with people's data masked before any event is written (and log masking on import).

endpoints.yml: `tracker_store: {type: bot.tracker_store.MaskingSQLTrackerStore}`; the database is
DVC_TRACKER_DB_URL (default SQLite var/tracker.db, PostgreSQL in production). Importing this module (Rasa
does it at startup, before any message) makes every log record of the Rasa process masked as well.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections import OrderedDict
from typing import Any

import sqlalchemy
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from textnorm.privacy import install_log_masking, mask_events

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
RECENT_CONVERSATIONS = 500  # conversations whose masked events stay in memory between turns

install_log_masking()


def tracker_db_url() -> str:
    """DVC_TRACKER_DB_URL or the SQLite default; a postgresql:// URL is given the psycopg2 driver Rasa ships."""
    url = os.environ.get("DVC_TRACKER_DB_URL") or DEFAULT_URL
    if url.startswith("sqlite:///"):
        pathlib.Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _sqlite_pragmas(conn: Any, _record: Any) -> None:
    """WAL and NORMAL sync: a turn's commit no longer waits for a full fsync (the embedded default only)."""
    cur = conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class MaskingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose stored events carry masked texts, entities and verification-digit slots."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: dict[str, Any],
    ) -> None:
        if event_broker is not None:
            raise ValueError("MaskingSQLTrackerStore does not stream to an event broker (it would see unmasked events)")
        super().__init__(domain=domain, host=host or tracker_db_url(), event_broker=None, **kwargs)
        if self.engine.dialect.name == "sqlite":  # pooled connections: no file open and pragmas on every query
            url = self.engine.url
            self.engine.dispose()
            self.engine = sqlalchemy.create_engine(
                url, poolclass=sqlalchemy.pool.QueuePool, connect_args={"check_same_thread": False}
            )
            sqlalchemy.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)
        # sender id → (id of the last event row, the masked events as the database holds them): recent conversations
        self._recent: OrderedDict[str, tuple[int | None, list[dict[str, Any]]]] = OrderedDict()

    def _last_id(self, session: Any, sender_id: str) -> int | None:
        """Id of the newest stored event of a conversation: one indexed lookup, unlike Rasa's session count."""
        last: int | None = (
            session.query(sqlalchemy.func.max(self.SQLEvent.id)).filter(self.SQLEvent.sender_id == sender_id).scalar()
        )
        return last

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation from the recent-events cache when the database holds nothing newer, else from SQL.

        Reading and decoding every event on each turn is what made the SQL store slow; another Rasa instance or
        the retention purge changes the newest id, and the events are then read again.
        """
        recent = self._recent.get(sender_id)
        if recent is not None and self.domain is not None:
            with self.session_scope() as session:
                fresh = self._last_id(session, sender_id) == recent[0]
            if fresh:
                self._recent.move_to_end(sender_id)
                return DialogueStateTracker.from_dict(sender_id, recent[1], self.domain.slots)
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, masked (same bookkeeping as SQLTrackerStore.save), and cache them."""
        sender_id = tracker.sender_id
        all_events = [event.as_dict() for event in tracker.events]
        recent = self._recent.get(sender_id)
        with self.session_scope() as session:
            last_id = self._last_id(session, sender_id)
            if recent is not None and recent[0] == last_id and len(recent[1]) <= len(all_events):
                start = len(recent[1])  # the tracker came from the cache: everything after it is new
            else:
                stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
                start = min(stored, len(all_events))
            masked = mask_events(all_events, start)
            rows = [
                self.SQLEvent(
                    sender_id=sender_id,
                    type_name=data.get("event"),
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
                for data in masked
            ]
            session.add_all(rows)
            session.flush()
            last_id = rows[-1].id if rows else last_id
            session.commit()
        # Events before `start` came from this store (database or cache), so they are masked already.
        self._recent[sender_id] = (last_id, all_events[:start] + masked)
        self._recent.move_to_end(sender_id)
        while len(self._recent) > RECENT_CONVERSATIONS:
            self._recent.popitem(last=False)
