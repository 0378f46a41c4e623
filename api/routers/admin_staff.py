"""Admin pages for the one-stop staff: handoff tickets and feedback items, each with an answer form (CSRF), and the
messages to citizens that were not delivered, with the reason."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from api.admin.guards import PageUser, check_csrf, require_page
from api.admin.pages import render
from api.deps import SessionDep
from api.notifications import delivery
from api.records import reports, service
from api.records.models import FeedbackRow, TicketRow
from textnorm.channels import channel_of

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
Staff = Annotated[PageUser, Depends(require_page("staff"))]
Status = Literal["open", "answered"]
Answer = Annotated[str, Form(max_length=4000)]
EMPTY_ANSWER = "Câu trả lời không được để trống."


def _counts(session: SessionDep, model: type[TicketRow] | type[FeedbackRow]) -> dict[str, int]:
    counts = {"open": 0, "answered": 0}
    counts.update({s: int(n) for s, n in session.execute(select(model.status, func.count()).group_by(model.status))})
    return counts


@router.get("/tickets")
def tickets(request: Request, session: SessionDep, who: Staff, status: Status = "open", done: str | None = None) -> Response:
    """Open (oldest first) or answered (newest first) handoff tickets."""
    order = TicketRow.created_at.asc() if status == "open" else TicketRow.answered_at.desc()
    items = list(session.scalars(select(TicketRow).where(TicketRow.status == status).order_by(order).limit(200)))
    notice = f"Đã gửi câu trả lời cho {done}." if done else None
    context: dict[str, Any] = {
        "items": items,
        "status": status,
        "counts": _counts(session, TicketRow),
        "names": reports.names(session),
    }
    return render(request, "tickets.html", who, page="tickets", notice=notice, **context)


@router.post("/tickets/{ticket_id}/answer")
def answer_ticket(
    ticket_id: int, session: SessionDep, who: Staff, answer: Answer = "", csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Store the answer and queue it for the citizen's channel."""
    check_csrf(who, csrf_token)
    ticket = session.get(TicketRow, ticket_id)
    if ticket is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy câu hỏi.")
    if not answer.strip():
        raise HTTPException(status_code=400, detail=EMPTY_ANSWER)
    if ticket.status != "answered":
        service.answer_ticket(session, ticket, answer, who.user.username)
    return RedirectResponse(f"/admin/tickets?done={ticket.code}", status_code=303)


@router.get("/feedback")
def feedback(request: Request, session: SessionDep, who: Staff, status: Status = "open", done: int | None = None) -> Response:
    """Open (oldest first) or answered (newest first) feedback and complaint items."""
    order = FeedbackRow.created_at.asc() if status == "open" else FeedbackRow.answered_at.desc()
    items = list(session.scalars(select(FeedbackRow).where(FeedbackRow.status == status).order_by(order).limit(200)))
    notice = f"Đã lưu câu trả lời cho mục #{done}." if done else None
    context: dict[str, Any] = {"items": items, "status": status, "counts": _counts(session, FeedbackRow)}
    return render(request, "feedback.html", who, page="feedback", notice=notice, **context)


@router.post("/feedback/{item_id}/answer")
def answer_feedback(
    item_id: int, session: SessionDep, who: Staff, answer: Answer = "", csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """Store the answer; citizens on a known channel receive it."""
    check_csrf(who, csrf_token)
    item = session.get(FeedbackRow, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Không tìm thấy mục phản ánh.")
    if not answer.strip():
        raise HTTPException(status_code=400, detail=EMPTY_ANSWER)
    if item.status != "answered":
        service.answer_feedback(session, item, answer, who.user.username)
    return RedirectResponse(f"/admin/feedback?done={item.id}", status_code=303)


def masked_recipient(recipient: str) -> str:
    """`zalo:…b2c3`: enough to tell chats apart, not to find the person."""
    channel, _, chat = recipient.partition(":")
    return f"{channel}:…{chat[-4:]}" if chat else "…"


@router.get("/undelivered")
def undelivered(request: Request, session: SessionDep, who: Staff) -> Response:
    """Messages to citizens given up or waiting for a retry, each with why; each channel's quota this month."""
    items = [
        {"row": row, "recipient": masked_recipient(row.recipient), "channel": channel_of(row.recipient)}
        for row in delivery.undelivered(session)
    ]
    context: dict[str, Any] = {"items": items, "reasons": delivery.reason_labels(), "quotas": delivery.quota_use(session)}
    return render(request, "undelivered.html", who, page="undelivered", **context)
