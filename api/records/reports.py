"""Report figures over a date range (local days, inclusive) and channel, computed by SQL aggregates."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any, TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from api.models import ProcedureRow, TopicRow
from api.records.models import ConversationRow, FeedbackRow, RatingRow, TicketRow, TurnRow
from api.records.service import LOCAL_TZ
from textnorm.channels import registry, report_channels

Q = TypeVar("Q", bound=Select)  # type: ignore[type-arg]

EARLIEST = dt.date(2000, 1, 1)  # report dates are checked against it and a year ahead (9999-12-31 overflowed)
SCALE = {5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng", 1: "Rất không hài lòng"}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _avg(total: float | None, count: int) -> float | None:
    return round(float(total or 0) / count, 2) if count else None


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of the local days' start and the end day's midnight."""
    lo = dt.datetime.combine(start, dt.time(), LOCAL_TZ)
    return lo, dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), LOCAL_TZ)


def visible_channel(role: str, requested: str | None) -> str | None:
    """The one channel rule of the dashboard, reports and exports, from the channel registry's roles.

    A role that sees every channel gets the channel asked for (None = all; an unknown name counts as none); a role
    that sees fewer (teachers: the classroom) gets the one asked for when it may see it, else the first it may see.
    """
    allowed = registry().visible_to(role)
    if requested in allowed:
        return requested
    return None if set(report_channels()) <= set(allowed) or not allowed else allowed[0]


def _turns(query: Q, start: dt.date, end: dt.date, channel: str | None) -> Q:
    query = query.where(TurnRow.day >= start, TurnRow.day <= end)
    return query.where(TurnRow.channel == channel) if channel else query


def _ratings(query: Q, start: dt.date, end: dt.date, channel: str | None) -> Q:
    query = query.where(RatingRow.day >= start, RatingRow.day <= end)
    return query.where(RatingRow.channel == channel) if channel else query


def names(session: Session) -> dict[str, str]:
    """Display names of procedures and topics by slug."""
    rows = list(session.execute(select(ProcedureRow.slug, ProcedureRow.name)))
    rows += list(session.execute(select(TopicRow.slug, TopicRow.title)))
    return {slug: name for slug, name in rows}


def summary(session: Session, start: dt.date, end: dt.date, channel: str | None = None) -> dict[str, Any]:
    """Everything the dashboard and GET /api/v1/reports/summary show."""
    # One pass over turns grouped by (day, channel): totals, per channel and per day all come from it.
    answered = func.sum(case((TurnRow.answered, 1), else_=0))
    opened = func.sum(case((TurnRow.opens_day, 1), else_=0))  # distinct senders per day without COUNT(DISTINCT)
    by_day_channel = list(
        session.execute(
            _turns(select(TurnRow.day, TurnRow.channel, func.count(), answered, opened), start, end, channel).group_by(
                TurnRow.day, TurnRow.channel
            )
        )
    )
    msgs = sum(int(r[2]) for r in by_day_channel)
    ok = sum(int(r[3] or 0) for r in by_day_channel)
    active = _active_conversations(session, start, end, channel)
    conversations = sum(active.values())

    rating_by_channel = {
        ch: (int(n), s)
        for ch, n, s in session.execute(
            _ratings(select(RatingRow.channel, func.count(), func.sum(RatingRow.score)), start, end, channel).group_by(
                RatingRow.channel
            )
        )
    }
    channel_totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    day_totals: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for day, ch, n, a, c in by_day_channel:
        channel_totals[ch][0] += int(n)
        channel_totals[ch][1] += int(a or 0)
        day_totals[day][0] += int(n)
        day_totals[day][1] += int(c or 0)
    per_channel: list[dict[str, Any]] = []
    for ch, (n, a) in channel_totals.items():
        rn, rs = rating_by_channel.get(ch, (0, 0))
        per_channel.append({
            "channel": ch, "conversations": active.get(ch, 0), "messages": n, "fallback_share": _share(n - a, n),
            "rating_count": rn, "rating_average": _avg(rs, rn),
        })  # fmt: skip
    per_channel.sort(key=lambda r: (-r["messages"], r["channel"]))

    rating_by_proc: dict[str, tuple[int, Any]] = {
        str(slug): (int(n), s)
        for slug, n, s in session.execute(
            _ratings(select(RatingRow.procedure_slug, func.count(), func.sum(RatingRow.score)), start, end, channel)
            .where(RatingRow.procedure_slug.is_not(None))
            .group_by(RatingRow.procedure_slug)
        )
    }
    by_slug: dict[str, int] = defaultdict(int)
    by_topic: dict[str, int] = defaultdict(int)
    for slug, topic, n in session.execute(
        _turns(select(TurnRow.procedure_slug, TurnRow.topic_slug, func.count()), start, end, channel).group_by(
            TurnRow.procedure_slug, TurnRow.topic_slug
        )
    ):
        if slug is not None:
            by_slug[slug] += int(n)
        if topic is not None:
            by_topic[topic] += int(n)
    per_procedure: list[dict[str, Any]] = []
    for slug in set(by_slug) | set(rating_by_proc):
        rn, rs = rating_by_proc.get(slug, (0, 0))
        per_procedure.append(
            {"procedure_slug": slug, "messages": by_slug.get(slug, 0), "rating_count": rn, "rating_average": _avg(rs, rn)}
        )
    per_procedure.sort(key=lambda r: (-r["messages"], -r["rating_count"], r["procedure_slug"]))
    per_topic: list[dict[str, Any]] = [{"topic_slug": t, "messages": n} for t, n in by_topic.items()]
    per_topic.sort(key=lambda r: (-r["messages"], r["topic_slug"]))

    distribution = {str(k): 0 for k in range(1, 6)}
    rating_days: dict[dt.date, list[int]] = {}
    for day, score, n in session.execute(
        _ratings(select(RatingRow.day, RatingRow.score, func.count()), start, end, channel).group_by(
            RatingRow.day, RatingRow.score
        )
    ):
        distribution[str(score)] += int(n)
        rating_days.setdefault(day, [0, 0])
        rating_days[day][0] += int(n)
        rating_days[day][1] += int(n) * int(score)
    rating_count = sum(distribution.values())
    rating_sum = sum(int(k) * v for k, v in distribution.items())

    return {
        "from": start.isoformat(), "to": end.isoformat(), "channel": channel,
        "conversations": int(conversations), "new_users": _new_users(session, start, end, channel),
        "messages": msgs, "answered": ok, "fallback": msgs - ok, "fallback_share": _share(msgs - ok, msgs),
        "rating_count": rating_count, "rating_average": _avg(rating_sum, rating_count), "rating_distribution": distribution,
        "per_channel": per_channel, "per_procedure": per_procedure, "per_topic": per_topic,
        "per_day": _per_day(session, start, end, channel, day_totals),
        "rating_per_month": _per_month(rating_days),
        "tickets": tickets_summary(session, start, end, channel),
        "feedback": feedback_summary(session, start, end, channel),
    }  # fmt: skip


def _new_users(session: Session, start: dt.date, end: dt.date, channel: str | None) -> int:
    query = (
        select(func.count())
        .select_from(ConversationRow)
        .where(ConversationRow.first_day >= start, ConversationRow.first_day <= end)
    )
    if channel:
        query = query.where(ConversationRow.channel == channel)
    return int(session.scalar(query) or 0)


def _per_day(
    session: Session, start: dt.date, end: dt.date, channel: str | None, totals: dict[dt.date, list[int]]
) -> list[dict[str, Any]]:
    """Messages, active conversations and new users for each day with activity."""
    days: dict[dt.date, dict[str, Any]] = defaultdict(lambda: {"conversations": 0, "messages": 0, "new_users": 0})
    for day, (n, c) in totals.items():
        days[day].update(messages=n, conversations=c)
    query = select(ConversationRow.first_day, func.count()).where(
        ConversationRow.first_day >= start, ConversationRow.first_day <= end
    )
    if channel:
        query = query.where(ConversationRow.channel == channel)
    for day, n in session.execute(query.group_by(ConversationRow.first_day)):
        days[day]["new_users"] = int(n)
    return [{"day": day.isoformat(), **days[day]} for day in sorted(days)]


def _active_conversations(session: Session, start: dt.date, end: dt.date, channel: str | None) -> dict[str, int]:
    """Conversations whose activity (first to last message) overlaps the range, per channel."""
    lo, hi = _bounds(start, end)
    query = select(ConversationRow.channel, func.count()).where(ConversationRow.last_seen >= lo, ConversationRow.first_seen < hi)
    if channel:
        query = query.where(ConversationRow.channel == channel)
    return {ch: int(n) for ch, n in session.execute(query.group_by(ConversationRow.channel))}


def per_week(per_day: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fold per-day rows into ISO weeks (conversations summed: a sender active on 2 days counts twice)."""
    weeks: dict[str, dict[str, Any]] = {}
    for row in per_day:
        year, week, _ = dt.date.fromisoformat(row["day"]).isocalendar()
        key = f"{year}-W{week:02d}"
        acc = weeks.setdefault(key, {"week": key, "conversations": 0, "messages": 0, "new_users": 0})
        for field in ("conversations", "messages", "new_users"):
            acc[field] += row[field]
    return list(weeks.values())


def _per_month(rating_days: dict[dt.date, list[int]]) -> list[dict[str, Any]]:
    months: dict[str, list[int]] = {}
    for day, (n, total) in sorted(rating_days.items()):
        acc = months.setdefault(day.strftime("%Y-%m"), [0, 0])
        acc[0] += n
        acc[1] += total
    return [{"month": m, "rating_count": n, "rating_average": _avg(t, n)} for m, (n, t) in months.items()]


def tickets_summary(session: Session, start: dt.date, end: dt.date, channel: str | None) -> dict[str, Any]:
    """Open/answered counts and response times (hours) of tickets created in the range."""
    lo, hi = _bounds(start, end)
    query = select(TicketRow.status, TicketRow.created_at, TicketRow.answered_at).where(
        TicketRow.created_at >= lo, TicketRow.created_at < hi
    )
    if channel:
        query = query.where(TicketRow.channel == channel)
    counts = {"open": 0, "answered": 0}
    hours: list[float] = []
    for status, created, answered_at in session.execute(query):
        counts[status] = counts.get(status, 0) + 1
        if answered_at is not None:
            hours.append((_utc(answered_at) - _utc(created)).total_seconds() / 3600)
    return {
        **counts, "response_hours_median": round(statistics.median(hours), 2) if hours else None,
        "response_hours_average": round(statistics.fmean(hours), 2) if hours else None,
    }  # fmt: skip


def feedback_summary(session: Session, start: dt.date, end: dt.date, channel: str | None) -> dict[str, Any]:
    """Feedback items created in the range by kind and status."""
    lo, hi = _bounds(start, end)
    query = select(FeedbackRow.kind, FeedbackRow.status, func.count()).where(
        FeedbackRow.created_at >= lo, FeedbackRow.created_at < hi
    )
    if channel:
        query = query.where(FeedbackRow.channel == channel)
    out = {"feedback": {"open": 0, "answered": 0}, "complaint": {"open": 0, "answered": 0}}
    for kind, status, n in session.execute(query.group_by(FeedbackRow.kind, FeedbackRow.status)):
        out.setdefault(kind, {})[status] = int(n)
    return out


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def unanswered(session: Session, start: dt.date, end: dt.date, channel: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """The latest questions the bot could not answer (masked text), to improve kb/."""
    query = _turns(select(TurnRow.at, TurnRow.channel, TurnRow.intent, TurnRow.text), start, end, channel).where(
        TurnRow.answered.is_(False)
    )
    rows = session.execute(query.order_by(TurnRow.at.desc(), TurnRow.id.desc()).limit(limit))
    return [
        {"at": _utc(at).astimezone(LOCAL_TZ).isoformat(timespec="minutes"), "channel": ch, "intent": i, "text": t}
        for at, ch, i, t in rows
    ]


def conversations(session: Session, start: dt.date, end: dt.date, channel: str | None, limit: int, offset: int) -> dict[str, Any]:
    """Conversations active in the range with their (masked) turns in it; no sender ids."""
    ids_query = _turns(select(TurnRow.conversation_id).distinct(), start, end, channel)
    total = int(session.scalar(select(func.count()).select_from(ids_query.subquery())) or 0)
    page = list(session.scalars(ids_query.order_by(TurnRow.conversation_id).limit(limit).offset(offset)))
    convs = {c.id: c for c in session.scalars(select(ConversationRow).where(ConversationRow.id.in_(page)))}
    turns: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for t in session.scalars(
        _turns(select(TurnRow), start, end, None).where(TurnRow.conversation_id.in_(page)).order_by(TurnRow.at, TurnRow.id)
    ):
        turns[t.conversation_id].append({
            "at": _utc(t.at).isoformat(), "text": t.text, "intent": t.intent, "procedure_slug": t.procedure_slug,
            "topic_slug": t.topic_slug, "answered": t.answered,
        })  # fmt: skip
    items = [
        {"id": cid, "channel": convs[cid].channel, "first_seen": _utc(convs[cid].first_seen).isoformat(),
         "last_seen": _utc(convs[cid].last_seen).isoformat(), "turns": turns[cid]}
        for cid in page if cid in convs
    ]  # fmt: skip
    return {"from": start.isoformat(), "to": end.isoformat(), "total": total, "limit": limit, "offset": offset, "items": items}


def parse_range(start: str | None, end: str | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """`from`/`to` as YYYY-MM-DD (inclusive); the last 30 days by default; ValueError with a Vietnamese message."""
    today = today or dt.datetime.now(LOCAL_TZ).date()
    try:
        hi = dt.date.fromisoformat(end) if end else today
        lo = dt.date.fromisoformat(start) if start else hi - dt.timedelta(days=29)
    except ValueError:
        raise ValueError("Ngày không hợp lệ, anh/chị vui lòng nhập theo dạng YYYY-MM-DD (ví dụ 2026-01-31).") from None
    if lo < EARLIEST or hi > today + dt.timedelta(days=366):
        raise ValueError(
            f"Ngày phải nằm trong khoảng từ {EARLIEST.isoformat()} đến {(today + dt.timedelta(days=366)).isoformat()}."
        )
    if lo > hi:
        raise ValueError("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.")
    if (hi - lo).days > 3660:
        raise ValueError("Khoảng thời gian tối đa là 10 năm.")
    return lo, hi
