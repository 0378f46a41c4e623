"""Public dossier lookup (code + last 4 phone digits) and the internal subscriptions to status changes."""

from __future__ import annotations

import logging
from typing import Annotated

import redis
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool

from api.db import session_factory
from api.deps import InternalAuth, SessionDep, SettingsDep, bearer_token, token_matches
from api.dossiers import subscribe_token
from api.dossiers.lookup import find_verified, lookup, strict_code
from api.dossiers.models import DossierRow, SubscriptionRow
from api.dossiers.ratelimit import limiter_for, retry_after_header
from api.notifications.service import now
from api.settings import Settings

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossier lookup"])
log = logging.getLogger(__name__)


class LookupIn(BaseModel):
    """The lookup request of docs/contracts.md."""

    code: str = Field(max_length=100)
    phone_last4: str = Field(max_length=20)
    sender: str | None = Field(default=None, max_length=160)


class SubscriptionIn(BaseModel):
    """A subscription request from the action server (recipient = the conversation's sender id).

    Proof of the lookup: the `subscribe_token` the lookup returned, or the code's digits again.
    """

    code: str = Field(max_length=100)
    phone_last4: str | None = Field(default=None, max_length=20)
    token: str | None = Field(default=None, max_length=600)
    recipient: str = Field(min_length=1, max_length=160)


def _rate_wait(settings: Settings, key: str) -> float:
    """Seconds to wait for this key (0 = allowed); an unreachable Redis falls back to the in-process window."""
    args = (settings.lookup_rate_limit, float(settings.lookup_rate_window_seconds), settings.redis_prefix + "lookup:")
    try:
        return limiter_for(settings.redis_url, *args).hit(key)
    except redis.RedisError as exc:
        log.warning("rate limiter: Redis unavailable (%s), using the in-process window", type(exc).__name__)
        return limiter_for(None, *args).hit(key)


@router.post("/lookup")
async def lookup_dossier(
    body: LookupIn,
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer_token)],
) -> JSONResponse:
    """Counted per sender with the internal token, per client IP without; 429 + Retry-After when too fast."""
    if token is not None and not token_matches(token, settings.internal_token):
        raise HTTPException(status_code=401, detail="wrong token", headers={"WWW-Authenticate": "Bearer"})
    ip = request.client.host if request.client else "unknown"
    requester = f"sender:{body.sender}" if token is not None and body.sender else f"ip:{ip}"
    return await run_in_threadpool(_lookup_blocking, settings, requester, body)


def _lookup_blocking(settings: Settings, requester: str, body: LookupIn) -> JSONResponse:
    """Rate limit, then the lookup, in one worker-thread hop (the hot path: one session, no extra dependencies)."""
    wait = _rate_wait(settings, requester)
    if wait > 0:
        return JSONResponse(
            {"detail": "Anh/chị tra cứu quá nhanh, vui lòng thử lại sau ít phút."},
            status_code=429,
            headers={"Retry-After": retry_after_header(wait)},
        )
    with session_factory(settings.database_url)() as session:
        result = lookup(session, body.code, body.phone_last4, requester, settings)
    if result["status"] == "found" and requester.startswith("sender:") and body.sender:
        code = str(result["dossier"]["code"])
        result["subscribe_token"] = subscribe_token.issue(settings, code, body.sender)
    return JSONResponse(result)


@router.post("/subscriptions", status_code=201, dependencies=[InternalAuth])
def subscribe(body: SubscriptionIn, session: SessionDep, settings: SettingsDep) -> dict[str, str]:
    """Subscribe a recipient after checking the lookup's token, or the code + digits again; 404 otherwise."""
    if body.token is not None:
        clean = strict_code(body.code, settings)
        valid = clean is not None and subscribe_token.verify(settings, body.token, clean, body.recipient)
        row = session.scalar(select(DossierRow).where(DossierRow.code == clean)) if valid else None
    else:
        row = find_verified(session, body.code, body.phone_last4 or "", f"sender:{body.recipient}", settings)
    if row is None:
        raise HTTPException(status_code=404, detail="dossier not found")
    exists = session.scalars(
        select(SubscriptionRow.id).where(SubscriptionRow.dossier_id == row.id, SubscriptionRow.recipient == body.recipient)
    ).first()
    if exists is None:
        session.add(SubscriptionRow(dossier_id=row.id, recipient=body.recipient, created_at=now()))
        session.commit()
    return {"code": row.code, "recipient": body.recipient}


@router.delete("/subscriptions", status_code=204, dependencies=[InternalAuth])
def unsubscribe(
    session: SessionDep,
    settings: SettingsDep,
    code: Annotated[str, Query(max_length=100)],
    recipient: Annotated[str, Query(min_length=1, max_length=160)],
) -> Response:
    """Remove the subscription if there is one (204 either way)."""
    clean = strict_code(code, settings)
    if clean is not None:
        ids = select(DossierRow.id).where(DossierRow.code == clean).scalar_subquery()
        session.execute(delete(SubscriptionRow).where(SubscriptionRow.dossier_id == ids, SubscriptionRow.recipient == recipient))
        session.commit()
    return Response(status_code=204)
