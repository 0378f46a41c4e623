"""The outbox table; one row per message to deliver to one recipient (a sender id)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from api.models import Base


class NotificationRow(Base):
    """A message for `recipient` (e.g. `zalo:8a1b…`, `web:<uuid>`); delivered_at is set once a channel sent it.

    A gateway leases rows (leased_until, lease_owner) so two processes never both send one; a failed try sets
    next_attempt_at (backoff) or, when it can never succeed, failed_at with the reason staff read in the admin page.
    `proactive` marks a message sent outside the channel's free reply window: it counts against the monthly cap.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(160), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    leased_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    failure_reason: Mapped[str | None] = mapped_column(String(30))
    failure_detail: Mapped[str | None] = mapped_column(String(200))
    proactive: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
