"""The notification outbox: the gateways (Zalo, Telegram) poll and ack; the web widget reads its inbox."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Response

from api.deps import InternalAuth, SessionDep
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
