"""Public dossier lookup (code + last 4 phone digits) and the internal subscriptions to status changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from starlette.concurrency import run_in_threadpool

from api import ratelimit
from api.db import session_factory
from api.deps import InternalAuth, SessionDep, SettingsDep, bearer_token, token_matches
from api.dossiers import subscribe_token
from api.dossiers.lookup import find_verified, lookup, strict_code
from api.dossiers.models import DossierRow, SubscriptionRow
from api.notifications.service import now
from api.practice.service import is_practice_code
from api.settings import Settings

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossier lookup"])


class LookupIn(BaseModel):
    """The lookup request of docs/contracts.md."""

    code: str = Field(max_length=100)
    phone_last4: str = Field(max_length=20)
    sender: str | None = Field(default=None, max_length=160)
    # Only with the internal token: the citizen's address as the channel saw it, and the conversation's proof.
    client_ip: str | None = Field(default=None, max_length=64)
    token: str | None = Field(default=None, max_length=600)


class SubscriptionIn(BaseModel):
    """A subscription request from the action server (recipient = the conversation's sender id).

    Proof of the lookup: the `subscribe_token` the lookup returned, or the code's digits again.
    """

    code: str = Field(max_length=100)
    phone_last4: str | None = Field(default=None, max_length=20)
    token: str | None = Field(default=None, max_length=600)
    recipient: str = Field(min_length=1, max_length=160)


def requester_key(body: LookupIn, trusted: bool, peer: str) -> str:
    """Who is asking, for the limits: the citizen's address when the action server passes it, else the sender id;
    a caller without the internal token is known only by its own address (what it says about itself is ignored)."""
    if trusted and body.client_ip:
        return f"ip:{body.client_ip}"
    if trusted and body.sender:
        return f"sender:{body.sender}"
    return f"ip:{peer}"


@router.post("/lookup")
async def lookup_dossier(
    body: LookupIn,
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(bearer_token)],
) -> JSONResponse:
    """Counted per client address (or sender) and per code; 429 + Retry-After when too fast, `locked` after failures."""
    if token is not None and not token_matches(token, settings.internal_token):
        raise HTTPException(status_code=401, detail="wrong token", headers={"WWW-Authenticate": "Bearer"})
    trusted = token is not None
    requester = requester_key(body, trusted, request.client.host if request.client else "unknown")
    return await run_in_threadpool(_lookup_blocking, settings, requester, body, trusted)


def _lookup_blocking(settings: Settings, requester: str, body: LookupIn, trusted: bool) -> JSONResponse:
    """Rate limit, then the lookup, in one worker-thread hop (the hot path: one session, no extra dependencies)."""
    clean = strict_code(body.code, settings)
    # A practice code counts in a budget of its own, sized for a class behind one school address; it only ever
    # finds a practice dossier (api.dossiers.lookup), so it spends nothing of the budget that guards real ones.
    practice = clean is not None and is_practice_code(clean)
    limit = settings.lookup_practice_rate_limit if practice else settings.lookup_rate_limit
    item = ratelimit.per_seconds(limit, settings.lookup_rate_window_seconds)
    key = ("lookup-practice:" if practice else "lookup:") + requester
    # A flood limit on the hot path: per worker without Redis (its database write per lookup tripled the p95);
    # the guessing protection is the lockout, which every worker shares.
    if not ratelimit.hit(settings, item, key, shared=False):
        return JSONResponse(
            {"detail": "Anh/chị tra cứu quá nhanh, vui lòng thử lại sau ít phút."},
            status_code=429,
            headers={"Retry-After": str(ratelimit.retry_after(settings, item, key, shared=False))},
        )
    verified = bool(
        trusted and body.sender and body.token and clean and subscribe_token.verify(settings, body.token, clean, body.sender)
    )
    with session_factory(settings.database_url)() as session:
        result = lookup(session, body.code, body.phone_last4, requester, settings, verified=verified)
    if result["status"] == "found" and trusted and body.sender:
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
