"""How gateways take notifications from the outbox: a lease per message (two processes never both send one), an
acknowledgement or a failure per message (retried with backoff, or given up with its reason), and each channel's
quota from the registry (free replies within a window after the user's last message, a monthly cap beyond it)."""

from __future__ import annotations

import datetime as dt
import functools
import pathlib
from dataclasses import dataclass

import yaml
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from api.notifications.models import NotificationRow
from api.notifications.service import now
from api.records.models import ConversationRow
from api.records.service import LOCAL_TZ
from textnorm.channels import Channel, registry

REASONS_FILE = pathlib.Path(__file__).with_name("reasons.yml")
# Why a message was not delivered (the admin page names them, api/notifications/reasons.yml).
PERMANENT_REASONS = ("blocked", "bad_recipient", "outside_window", "monthly_cap", "gave_up")
TEMPORARY_REASONS = ("rate_limited", "platform_error")
REASONS = PERMANENT_REASONS + TEMPORARY_REASONS
BACKOFF_BASE = 2.0  # seconds before the first retry, doubling each time
BACKOFF_MAX = 3600.0
MAX_ATTEMPTS = 20  # about three days of tries at the longest backoff


def _open(channel: str, at: dt.datetime) -> ColumnElement[bool]:
    """Conditions of a row a gateway of `channel` may take now."""
    return and_(
        NotificationRow.recipient.startswith(f"{channel}:", autoescape=True),
        NotificationRow.delivered_at.is_(None),
        NotificationRow.failed_at.is_(None),
        or_(NotificationRow.leased_until.is_(None), NotificationRow.leased_until < at),
        or_(NotificationRow.next_attempt_at.is_(None), NotificationRow.next_attempt_at <= at),
    )


def month_start(at: dt.datetime) -> dt.datetime:
    """The first instant of `at`'s calendar month in Vietnam (the quota's month)."""
    local = at.astimezone(LOCAL_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def proactive_used(session: Session, channel: str, at: dt.datetime) -> int:
    """Messages outside the reply window sent (or being sent) this month on `channel`."""
    query = select(func.count()).where(
        NotificationRow.recipient.startswith(f"{channel}:", autoescape=True),
        NotificationRow.proactive.is_(True),
        NotificationRow.failed_at.is_(None),
        or_(NotificationRow.delivered_at >= month_start(at), NotificationRow.leased_until >= at),
    )
    return int(session.scalar(query) or 0)


@dataclass
class Quota:
    """One round's view of a channel's quota: whether a recipient is within the window, and what is left."""

    channel: Channel
    left: int | None  # proactive messages left this month (None: no cap)

    def verdict(self, session: Session, recipient: str, at: dt.datetime) -> tuple[bool, str | None]:
        """(proactive, reason it cannot be sent): inside the window it is free; outside, it takes one from the cap."""
        hours = self.channel.reply_window_hours
        if hours is None:
            return False, None
        last = session.scalar(select(ConversationRow.last_seen).where(ConversationRow.sender == recipient))
        if last is not None:
            last = last if last.tzinfo else last.replace(tzinfo=dt.UTC)
            if at - last <= dt.timedelta(hours=hours):
                return False, None
        if self.left is None:
            return True, None
        if self.channel.monthly_push_cap == 0:
            return True, "outside_window"
        if self.left <= 0:
            return True, "monthly_cap"
        self.left -= 1
        return True, None


def lease(session: Session, channel: str, owner: str, seconds: float, limit: int = 50) -> list[NotificationRow]:
    """Take up to `limit` deliverable messages of `channel` for `seconds`; those the quota forbids fail with the reason."""
    entry = registry().get(channel)
    if entry is None or not entry.push:
        return []
    at = now()
    cap = entry.monthly_push_cap
    quota = Quota(entry, None if cap is None else cap - proactive_used(session, channel, at))
    ids = list(session.scalars(select(NotificationRow.id).where(_open(channel, at)).order_by(NotificationRow.id).limit(limit)))
    taken: list[int] = []
    for notification_id in ids:
        recipient = session.scalar(select(NotificationRow.recipient).where(NotificationRow.id == notification_id)) or ""
        proactive, reason = quota.verdict(session, recipient, at)
        values: dict[str, object] = {"proactive": proactive}
        if reason is not None:
            values.update(failed_at=at, failure_reason=reason, leased_until=None, lease_owner=None)
        else:
            values.update(leased_until=at + dt.timedelta(seconds=seconds), lease_owner=owner)
        # The row's conditions again: whoever updates it first wins it, however many gateways lease at once.
        mine = update(NotificationRow).where(NotificationRow.id == notification_id, _open(channel, at))
        result = session.execute(mine.values(**values))
        if result.rowcount == 1 and reason is None:  # type: ignore[attr-defined]
            taken.append(notification_id)
    session.commit()
    rows = session.scalars(select(NotificationRow).where(NotificationRow.id.in_(taken)).order_by(NotificationRow.id))
    return list(rows)


def fail(session: Session, notification_id: int, reason: str, retry_after: float | None = None, detail: str = "") -> bool:
    """A try that did not deliver: a permanent reason fails the row; a temporary one waits (backoff, or retry_after)."""
    row = session.get(NotificationRow, notification_id)
    if row is None:
        return False
    if row.delivered_at is None and row.failed_at is None:
        at = now()
        row.attempts += 1
        row.leased_until, row.lease_owner = None, None
        row.failure_reason, row.failure_detail = reason, detail[:200] or None
        if reason in PERMANENT_REASONS or row.attempts >= MAX_ATTEMPTS:
            row.failed_at = at
            row.failure_reason = reason if reason in PERMANENT_REASONS else "gave_up"
        else:
            backoff = min(BACKOFF_BASE * 2 ** (row.attempts - 1), BACKOFF_MAX)
            row.next_attempt_at = at + dt.timedelta(seconds=max(backoff, retry_after or 0.0))
    session.commit()
    return True


def undelivered(session: Session, limit: int = 200) -> list[NotificationRow]:
    """Messages given up (newest first), then those waiting for a retry after a failed try."""
    failed = select(NotificationRow).where(NotificationRow.failed_at.is_not(None)).order_by(NotificationRow.failed_at.desc())
    waiting = select(NotificationRow).where(
        NotificationRow.delivered_at.is_(None), NotificationRow.failed_at.is_(None), NotificationRow.attempts > 0
    )
    return list(session.scalars(failed.limit(limit))) + list(session.scalars(waiting.order_by(NotificationRow.id).limit(limit)))


@functools.lru_cache(maxsize=1)
def reason_labels() -> dict[str, str]:
    """What each reason means, in Vietnamese, from reasons.yml (checked: every reason has its label)."""
    labels = yaml.safe_load(REASONS_FILE.read_text(encoding="utf-8"))
    missing = set(REASONS) - set(labels)
    if missing:
        raise ValueError(f"{REASONS_FILE}: no label for {sorted(missing)}")
    return {str(k): str(v) for k, v in labels.items()}


def quota_use(session: Session) -> list[dict[str, object]]:
    """Per channel with a reply window: its window, this month's messages outside it, and the cap."""
    at = now()
    return [
        {
            "channel": c.name,
            "window_hours": c.reply_window_hours,
            "used": proactive_used(session, c.name, at),
            "cap": c.monthly_push_cap,
        }
        for c in registry().channels
        if c.reply_window_hours is not None
    ]
