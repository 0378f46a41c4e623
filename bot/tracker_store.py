"""Rasa's SQL tracker store with people's data masked before any event is written (and log masking on import).

endpoints.yml: `tracker_store: {type: bot.tracker_store.MaskingSQLTrackerStore}`; the database is
DVC_TRACKER_DB_URL (default SQLite var/tracker.db, PostgreSQL in production). Importing this module (Rasa
does it at startup, before any message) makes every log record of the Rasa process masked as well.
"""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from textnorm.privacy import install_log_masking, mask_events

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.db'}"

install_log_masking()


def tracker_db_url() -> str:
    """DVC_TRACKER_DB_URL or the SQLite default; a postgresql:// URL is given the psycopg2 driver Rasa ships."""
    url = os.environ.get("DVC_TRACKER_DB_URL") or DEFAULT_URL
    if url.startswith("sqlite:///"):
        pathlib.Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


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

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, masked (same bookkeeping as SQLTrackerStore.save)."""
        all_events = [event.as_dict() for event in tracker.events]
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            start = min(stored, len(all_events))
            for data in mask_events(all_events, start):
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=data.get("event"),
                        timestamp=data.get("timestamp"),
                        intent_name=(data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
