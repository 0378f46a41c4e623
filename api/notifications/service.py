"""Outbox operations shared by the routers and other packages (dossier status changes, staff answers)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.notifications.models import NotificationRow
from textnorm.channels import channel_names

KINDS = frozenset({"dossier_status", "staff_answer", "reminder"})


def now() -> dt.datetime:
    """The current time in UTC (one place, so every table uses aware datetimes)."""
    return dt.datetime.now(dt.UTC)


def enqueue(session: Session, recipient: str, kind: str, text: str) -> NotificationRow:
    """Add a message to the outbox; the caller commits (so it lands in the same transaction as its cause)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind: {kind}")
    row = NotificationRow(recipient=recipient, kind=kind, text=text, created_at=now(), delivered_at=None)
    session.add(row)
    return row


def pending_for_channel(session: Session, channel: str, limit: int = 100) -> list[NotificationRow]:
    """Messages not delivered (nor given up) whose recipient belongs to `channel` (`other` = none of the registry's)."""
    query = select(NotificationRow).where(NotificationRow.delivered_at.is_(None), NotificationRow.failed_at.is_(None))
    if channel in channel_names():
        query = query.where(NotificationRow.recipient.startswith(f"{channel}:", autoescape=True))
    else:
        for prefix in channel_names():
            query = query.where(~NotificationRow.recipient.startswith(f"{prefix}:", autoescape=True))
    return list(session.scalars(query.order_by(NotificationRow.id).limit(limit)))


def mark_delivered(session: Session, notification_id: int) -> bool:
    """Set delivered_at once (a repeated ack keeps the first time); False when the id is unknown."""
    row = session.get(NotificationRow, notification_id)
    if row is None:
        return False
    if row.delivered_at is None:
        row.delivered_at = now()
        row.leased_until, row.lease_owner = None, None
    session.commit()
    return True


def take_for_recipient(session: Session, recipient: str, limit: int = 50) -> list[NotificationRow]:
    """Undelivered messages of one recipient, marked delivered in the same transaction (web inbox)."""
    rows = list(
        session.scalars(
            select(NotificationRow)
            .where(NotificationRow.recipient == recipient, NotificationRow.delivered_at.is_(None))
            .order_by(NotificationRow.id)
            .limit(limit)
        )
    )
    if rows:
        session.execute(update(NotificationRow).where(NotificationRow.id.in_([r.id for r in rows])).values(delivered_at=now()))
        session.commit()
    return rows
