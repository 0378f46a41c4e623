"""The notification outbox: the gateways (Zalo, Telegram) poll and ack; the web widget reads its inbox."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response
from pydantic import BaseModel, Field

from api.deps import InternalAuth, SessionDep
from api.notifications import delivery
from api.notifications.models import NotificationRow
from api.notifications.service import mark_delivered, pending_for_channel, take_for_recipient
from textnorm.channels import report_channels

router = APIRouter(prefix="/api/v1", tags=["notifications"])


def _view(row: NotificationRow) -> dict[str, Any]:
    """One notification as JSON."""
    return {
        "id": row.id,
        "recipient": row.recipient,
        "kind": row.kind,
        "text": row.text,
        "created_at": row.created_at.isoformat(),
    }


@router.get("/notifications", dependencies=[InternalAuth])
def pending(
    session: SessionDep,
    channel: Annotated[str, Query(max_length=20)],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Undelivered notifications for one channel of the registry (or `other`), oldest first."""
    if channel not in report_channels():
        raise HTTPException(status_code=422, detail=f"unknown channel; one of: {', '.join(report_channels())}")
    return [_view(row) for row in pending_for_channel(session, channel, limit)]


class LeaseIn(BaseModel):
    """A gateway process asking for messages of its channel, held for it alone for `seconds`."""

    channel: str = Field(min_length=1, max_length=20)
    owner: str = Field(min_length=1, max_length=80)
    seconds: float = Field(default=60.0, ge=5, le=600)
    limit: int = Field(default=50, ge=1, le=500)


class FailedIn(BaseModel):
    """A try that did not deliver, and why (temporary reasons are retried with backoff)."""

    reason: str = Field(pattern="^(" + "|".join(delivery.REASONS) + ")$")
    retry_after: float | None = Field(default=None, ge=0, le=86_400)
    detail: str = Field(default="", max_length=200)


@router.post("/notifications/lease", dependencies=[InternalAuth])
def lease(body: LeaseIn, session: SessionDep) -> list[dict[str, Any]]:
    """Messages to send now, leased to `owner`; what the channel's quota forbids is set aside with its reason."""
    if body.channel not in report_channels():
        raise HTTPException(status_code=422, detail=f"unknown channel; one of: {', '.join(report_channels())}")
    return [_view(row) for row in delivery.lease(session, body.channel, body.owner, body.seconds, body.limit)]


@router.post("/notifications/{notification_id}/failed", status_code=204, dependencies=[InternalAuth])
def failed(notification_id: int, body: FailedIn, session: SessionDep) -> Response:
    """A gateway could not deliver it; 404 for an unknown id."""
    if not delivery.fail(session, notification_id, body.reason, body.retry_after, body.detail):
        raise HTTPException(status_code=404, detail="notification not found")
    return Response(status_code=204)


@router.post("/notifications/{notification_id}/delivered", status_code=204, dependencies=[InternalAuth])
def delivered(notification_id: int, session: SessionDep) -> Response:
    """A channel sent it; 404 for an unknown id."""
    if not mark_delivered(session, notification_id):
        raise HTTPException(status_code=404, detail="notification not found")
    return Response(status_code=204)


@router.get("/inbox/{session_id}")
def inbox(session_id: Annotated[str, Path(max_length=36)], session: SessionDep) -> list[dict[str, Any]]:
    """The widget's messages (web:<uuid4>), marked delivered as they are returned; only a uuid4 is accepted."""
    try:
        parsed = uuid.UUID(session_id)
    except ValueError:
        raise HTTPException(status_code=422, detail="session_id must be a uuid4") from None
    if parsed.version != 4:
        raise HTTPException(status_code=422, detail="session_id must be a uuid4")
    return [_view(row) for row in take_for_recipient(session, f"web:{session_id.lower()}")]
