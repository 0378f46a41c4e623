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
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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
T = TypeVar("T")

_LAST_ID = "SELECT max(id) FROM events WHERE sender_id = {}"  # run on the driver: this query runs 3 times a turn
# Rasa indexes sender_id alone: without statistics PostgreSQL then answers max(id) by walking the primary key backwards
# to the sender's newest row, the whole table for a new conversation (PostgreSQL's CPU went 0.3 → 1.8 cores when 360
# readers began new conversations together over 100 000 events). One probe of this index answers it at any size.
_LAST_ID_INDEX = "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)"
_COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")  # an events row, as `_row` builds it
_INSERT_RETURNING = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES {{}} RETURNING id"  # PostgreSQL, driver paramstyle
# Rasa's `_event_query`: the events since the conversation's latest `session_started`, or all when there is none.
_SESSION_EVENTS = sqlalchemy.text(
    "SELECT id, data FROM events WHERE sender_id = :sender_id AND (timestamp >= "
    "(SELECT max(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = :session_started) "
    "OR NOT EXISTS (SELECT 1 FROM events WHERE sender_id = :sender_id AND type_name = :session_started)) ORDER BY id"
)


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
        self._ensure_last_id_index()
        self._insert = self.SQLEvent.__table__.insert()
        self._last_id_sql = _LAST_ID.format("?" if self.engine.dialect.paramstyle == "qmark" else "%s")
        # sender id → (id of the last event row, the masked events as the database holds them): recent conversations
        self._recent: OrderedDict[str, tuple[int | None, list[dict[str, Any]]]] = OrderedDict()

    def _ensure_last_id_index(self) -> None:
        """Add the (sender_id, id) index to Rasa's events table, once; two instances starting together may race."""
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    conn.exec_driver_sql(_LAST_ID_INDEX)
                return
            except sqlalchemy.exc.DBAPIError:  # created by the other instance a moment before: IF NOT EXISTS sees it now
                if attempt:
                    raise

    def _last_id(self, conn: Any, sender_id: str) -> int | None:
        """Id of the newest stored event of a conversation: one indexed lookup, unlike Rasa's session count."""
        last: int | None = conn.exec_driver_sql(self._last_id_sql, (sender_id,)).scalar()
        return last

    def _session_rows(self, conn: Any, sender_id: str) -> list[tuple[int, str]]:
        """(id, data) of the latest session's events, oldest first: the rows Rasa's `_event_query` selects."""
        return list(conn.execute(_SESSION_EVENTS, {"sender_id": sender_id, "session_started": "session_started"}))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation as stored, read again once on a fresh connection when the database dropped the pooled one."""
        return await _once_more_if_dropped(lambda: self._read(sender_id))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the new events, written again once on a fresh connection when the database dropped the pooled one."""
        await _once_more_if_dropped(lambda: self._write(tracker))

    async def _read(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session from the recent-events cache when the database holds nothing newer, else from SQL.

        Core SQL statements, not ORM queries: building ORM queries was most of a turn's cost in this store. Another
        Rasa instance or the retention purge changes the newest id, and the events are then read again.
        """
        if self.domain is None:
            return None
        recent = self._recent.get(sender_id)
        with self.engine.connect() as conn:
            if recent is not None and self._last_id(conn, sender_id) == recent[0]:
                self._recent.move_to_end(sender_id)
                return DialogueStateTracker.from_dict(sender_id, recent[1], self.domain.slots)
            rows = self._session_rows(conn, sender_id)
        if not rows:
            self._recent.pop(sender_id, None)
            return None
        events = [json.loads(data) for _id, data in rows]
        self._remember(sender_id, rows[-1][0], events)
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def _write(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, masked (same bookkeeping as SQLTrackerStore.save), and cache them."""
        sender_id = tracker.sender_id
        events = list(tracker.events)
        recent = self._recent.get(sender_id)
        with self.engine.begin() as conn:
            last_id = self._last_id(conn, sender_id)
            if recent is not None and recent[0] == last_id and len(recent[1]) <= len(events):
                stored = recent[1]  # the tracker came from this store: everything after it is new
            else:  # first save, or the database changed under us: count what the latest session holds
                count = len(self._session_rows(conn, sender_id))
                stored = [event.as_dict() for event in events[: min(count, len(events))]]
            start = len(stored)
            masked = mask_events(stored + [event.as_dict() for event in events[start:]], start)
            if masked:
                last_id = self._append(conn, sender_id, [_row(sender_id, data) for data in masked])
        # Events before `start` came from this store (database or cache), so they are masked already.
        self._remember(sender_id, last_id, stored + masked)

    def _append(self, conn: Any, sender_id: str, rows: list[dict[str, Any]]) -> int | None:
        """Insert the rows and return the newest id: from the INSERT itself on PostgreSQL, one round trip fewer."""
        if self.engine.dialect.name != "postgresql":
            conn.execute(self._insert, rows)
            return self._last_id(conn, sender_id)
        values = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(rows))
        params = tuple(row[column] for row in rows for column in _COLUMNS)
        newest: int = max(conn.exec_driver_sql(_INSERT_RETURNING.format(values), params).scalars())
        return newest

    def _remember(self, sender_id: str, last_id: int | None, events: list[dict[str, Any]]) -> None:
        """Keep a conversation's masked events, dropping the least recently used beyond RECENT_CONVERSATIONS."""
        self._recent[sender_id] = (last_id, events)
        self._recent.move_to_end(sender_id)
        while len(self._recent) > RECENT_CONVERSATIONS:
            self._recent.popitem(last=False)


async def _once_more_if_dropped(call: Callable[[], Awaitable[T]]) -> T:
    """Run `call`, and once more when its connection was dropped (a PostgreSQL restart): SQLAlchemy has then emptied
    the pool, so the second try connects afresh. Without it Rasa falls back to an empty in-memory conversation and the
    turn silently loses its context. A failed transaction wrote nothing, so nothing is stored twice."""
    try:
        return await call()
    except sqlalchemy.exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return await call()


def _row(sender_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """One events-table row, with the same columns Rasa's SQLTrackerStore writes."""
    return {
        "sender_id": sender_id,
        "type_name": data.get("event"),
        "timestamp": data.get("timestamp"),
        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
